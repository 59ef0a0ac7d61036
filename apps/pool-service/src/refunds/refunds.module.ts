import { Module } from '@nestjs/common';
import { StockModule } from '../stock/stock.module';
import { RefundAllocationsHandler } from './refund-allocations.handler';
import { RefundConsumer } from './refund.consumer';

/** AllocationRefunded: cancels held lines and revokes, returns or keeps delivered licenses by the pool's refund policy. */
@Module({ imports: [StockModule], providers: [RefundAllocationsHandler, RefundConsumer], exports: [RefundAllocationsHandler] })
export class RefundsModule {}
