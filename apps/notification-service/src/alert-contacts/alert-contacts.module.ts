import { Module } from '@nestjs/common';
import { AlertContactsController } from './alert-contacts.controller';
import { AlertContactBook } from './alert-contacts.handler';

/** PUT/GET /v1/merchants/{merchantId}/alert-contacts; PoolLow alerts read the contacts with alertContactsOf in their own transaction. */
@Module({ controllers: [AlertContactsController], providers: [AlertContactBook], exports: [AlertContactBook] })
export class AlertContactsModule {}
