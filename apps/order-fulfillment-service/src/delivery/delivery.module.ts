import { Module } from '@nestjs/common';
import { DeliveryController } from './delivery.controller';
import { ReadDeliverySetting, SaveDeliverySetting } from './delivery-settings';

/** Each product's delivery rule and order-page visibility, over HTTP; intake and resend read the saved settings with deliverySettingsOf in their own transaction. */
@Module({ controllers: [DeliveryController], providers: [ReadDeliverySetting, SaveDeliverySetting] })
export class DeliveryModule {}
