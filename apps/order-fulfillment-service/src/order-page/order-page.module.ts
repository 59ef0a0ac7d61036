import { Module } from '@nestjs/common';
import { OrderPageController } from './order-page.controller';
import { ReadOrderPage } from './order-page.handler';

/** The customer's order page, read by the merchant's checkout (audited). */
@Module({ controllers: [OrderPageController], providers: [ReadOrderPage] })
export class OrderPageModule {}
