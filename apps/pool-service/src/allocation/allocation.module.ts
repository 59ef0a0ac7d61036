import { Module } from '@nestjs/common';
import { StockModule } from '../stock/stock.module';
import { AllocateLicensesHandler } from './allocate-licenses.handler';
import { AllocationConsumer } from './allocation.consumer';
import { HeldLineSweeper } from './held-line-sweeper';
import { RerouteHeldLines } from './reroute-held-lines';

/**
 * AllocationRequested to licenses: routing, the allocation itself (consumed from Kafka), the
 * periodic sweep of held lines, and the re-routing a change of pools asks for (RerouteHeldLines).
 */
@Module({
  imports: [StockModule],
  providers: [AllocateLicensesHandler, RerouteHeldLines, AllocationConsumer, HeldLineSweeper],
  exports: [AllocateLicensesHandler, RerouteHeldLines],
})
export class AllocationModule {}
