import { Module } from '@nestjs/common';
import { FulfillmentMetricsModule } from '../metrics/fulfillment-metrics.module';
import { ReceivePaidOrders } from './order-paid.handler';

/** Paid orders in: stored with their lines, each line's licenses asked of the pool. */
@Module({ imports: [FulfillmentMetricsModule], providers: [ReceivePaidOrders], exports: [ReceivePaidOrders] })
export class IntakeModule {}
