import { Module } from '@nestjs/common';
import { ListOrders } from './order-list.handler';
import { ReadOrder } from './order-view.handler';
import { OrdersController } from './orders.controller';

/** The order API: a merchant's orders a page at a time, and one order with its lines, licenses (masked) and history. */
@Module({ controllers: [OrdersController], providers: [ListOrders, ReadOrder] })
export class OrderApiModule {}
