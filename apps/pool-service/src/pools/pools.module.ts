import { Module } from '@nestjs/common';
import { AllocationModule } from '../allocation/allocation.module';
import { StockModule } from '../stock/stock.module';
import { PoolConsumptionController } from './pool-consumption.controller';
import { ReadPoolConsumption } from './pool-consumption.handler';
import { PoolsController } from './pools.controller';
import { ArchivePool, CreatePool, ListPools, ReadPool, RestorePool, UpdatePool } from './pools.handler';

/** Pools as merchants manage them, with their stock and consumption; ReadPool is what other features ask whether a caller may use a pool. */
@Module({
  imports: [StockModule, AllocationModule],
  controllers: [PoolsController, PoolConsumptionController],
  providers: [CreatePool, ListPools, ReadPool, UpdatePool, ArchivePool, RestorePool, ReadPoolConsumption],
  exports: [ReadPool],
})
export class PoolsModule {}
