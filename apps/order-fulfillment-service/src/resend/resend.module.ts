import { Module } from '@nestjs/common';
import { FulfillmentMetricsModule } from '../metrics/fulfillment-metrics.module';
import { ResendLicenses } from './resend-licenses.handler';
import { ResendController } from './resend.controller';

/** Resends of an order's or a line's saved licenses, on request. */
@Module({ imports: [FulfillmentMetricsModule], controllers: [ResendController], providers: [ResendLicenses] })
export class ResendModule {}
