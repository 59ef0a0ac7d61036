import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery/delivery.module';
import { MailSettingsModule } from '../delivery/mail-settings';
import { PoolLowConsumer } from './pool-low.consumer';
import { SendPoolLowAlerts } from './send-pool-low-alerts.handler';

/** PoolLow e-mails to the merchant's alert contacts, sent at once through DeliveryModule's SendGridDelivery. */
@Module({ imports: [DeliveryModule, MailSettingsModule], providers: [SendPoolLowAlerts, PoolLowConsumer] })
export class PoolAlertsModule {}
