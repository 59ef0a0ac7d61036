import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Endpoint, unwrapResult } from '@keypool/platform';
import { PoolConsumptionView, ReadPoolConsumption } from './pool-consumption.handler';
import { NO_SUCH_POOL, PoolConsumptionSchema } from './pools.schemas';

/** How fast a pool's stock goes: licenses allocated per hour and per day. */
@ApiTags('pools')
@Controller('pools/:poolId/consumption')
export class PoolConsumptionController {
  constructor(private readonly consumption: ReadPoolConsumption) {}

  @Get()
  @Endpoint({
    operationId: 'getPoolConsumption',
    summary: "A pool's consumption: licenses allocated per hour (24 h) and per day (30 days), and when the stock runs out at the recent rate",
    ok: { schema: PoolConsumptionSchema },
    errors: { 404: NO_SUCH_POOL },
  })
  async read(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string): Promise<PoolConsumptionView> {
    return unwrapResult(await this.consumption.read(caller, poolId));
  }
}
