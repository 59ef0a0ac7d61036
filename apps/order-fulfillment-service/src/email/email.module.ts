import { Module } from '@nestjs/common';
import { FulfillmentMetricsModule } from '../metrics/fulfillment-metrics.module';
import { RecordEmailFailures, RecordEmailsSent } from './email-outcomes.handler';

/** What notification reports about e-mails: EmailSent delivers lines and fulfils orders, EmailFailed records why not. */
@Module({ imports: [FulfillmentMetricsModule], providers: [RecordEmailsSent, RecordEmailFailures], exports: [RecordEmailsSent, RecordEmailFailures] })
export class EmailModule {}
