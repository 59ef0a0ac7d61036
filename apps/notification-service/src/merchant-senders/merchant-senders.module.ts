import { Module } from '@nestjs/common';
import { MailSettingsModule } from '../delivery/mail-settings';
import { MerchantSendersController } from './merchant-senders.controller';
import { MerchantSenders } from './merchant-senders.handler';

/** PUT/GET /v1/merchants/{merchantId}/sender; sends read the settings with sendersFor in their own transaction. */
@Module({ imports: [MailSettingsModule], controllers: [MerchantSendersController], providers: [MerchantSenders], exports: [MerchantSenders] })
export class MerchantSendersModule {}
