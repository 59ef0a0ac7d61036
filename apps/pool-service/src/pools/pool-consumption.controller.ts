import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '@keypool/platform';
import { PoolConsumptionHandler } from './pool-consumption.handler';
import { PoolsHandler } from './pools.handler';
import { visiblePool } from './visible-pool';

export class ConsumptionBucket {
  @ApiProperty({ description: 'start of the hour or day (UTC)' }) start!: string;
  @ApiProperty({ description: 'licenses allocated in it' }) allocated!: number;
}

export class PoolConsumptionView {
  @ApiProperty({ format: 'uuid' }) poolId!: string;
  @ApiProperty() available!: number;
  @ApiProperty() threshold!: number;
  @ApiProperty({ type: [ConsumptionBucket], description: 'the last 24 hours, oldest first, the current hour last' }) hourly!: ConsumptionBucket[];
  @ApiProperty({ type: [ConsumptionBucket], description: 'the last 30 days, oldest first, today last' }) daily!: ConsumptionBucket[];
  @ApiProperty({ description: 'licenses allocated per day over the last 7 days (or since the pool was created, at least one hour)' }) ratePerDay!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'available / ratePerDay, rounded down; null when nothing was allocated recently' })
  runsOutInDays!: number | null;
}

/**
 * How fast a pool's stock goes: licenses allocated per hour and per day. Read-only; the same
 * visibility as the pool (another merchant's is 404).
 */
@ApiTags('pools')
@Controller('pools/:poolId/consumption')
export class PoolConsumptionController {
  constructor(
    private readonly pools: PoolsHandler,
    private readonly consumption: PoolConsumptionHandler,
  ) {}

  @Get()
  @ApiOperation({
    summary: "A pool's consumption: licenses allocated per hour (24 h) and per day (30 days), and when the stock runs out at the recent rate",
  })
  @ApiOkResponse({ type: PoolConsumptionView })
  @ApiResponse({ status: 404, description: "unknown, or another merchant's pool" })
  async read(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string): Promise<PoolConsumptionView> {
    return this.consumption.of(await visiblePool(this.pools, caller, poolId));
  }
}
