import { ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '@keypool/platform';
import { PoolsHandler } from '../pools/pools.handler';
import { visiblePool } from '../pools/visible-pool';
import { cursor, oneOfValues, pageLimit } from '../shared/query-params';
import { LicensePage, LicensesHandler } from './licenses.handler';

@ApiTags('licenses')
@Controller('pools/:poolId/licenses')
export class LicensesController {
  constructor(private readonly pools: PoolsHandler, private readonly licenses: LicensesHandler) {}

  @Get()
  @ApiOperation({
    summary: "List a pool's licenses, oldest first",
    description: 'Values are masked (first and last four characters) for merchant keys and shown in full to support only.',
  })
  @ApiQuery({ name: 'status', required: false, enum: ['available', 'allocated', 'withdrawn'] })
  @ApiQuery({ name: 'limit', required: false, description: '1–1000, default 100' })
  @ApiQuery({ name: 'after', required: false, description: 'nextCursor of the previous page' })
  async list(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @Query('status') status?: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
  ): Promise<LicensePage> {
    await visiblePool(this.pools, caller, poolId);
    const page = {
      status: oneOfValues(status, ['available', 'allocated', 'withdrawn'] as const, 'status'),
      limit: pageLimit(limit),
      after: cursor(after),
    };
    return this.licenses.list(poolId, page, caller.kind === 'support');
  }

  @Delete(':licenseId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Withdraw an unused license', description: 'Withdrawing twice is fine; an allocated license cannot be withdrawn.' })
  @ApiResponse({ status: 204, description: 'withdrawn' })
  @ApiResponse({ status: 409, description: 'the license is allocated to an order line' })
  async withdraw(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string, @Param('licenseId') licenseId: string): Promise<void> {
    await visiblePool(this.pools, caller, poolId);
    const outcome = await this.licenses.withdraw(poolId, licenseId);
    if (outcome.ok) return;
    if (outcome.problem === 'not-found') throw new NotFoundException('License not found in this pool');
    throw new ConflictException(
      `This license was allocated to order ${outcome.orderId} line ${outcome.lineId}; allocated licenses cannot be withdrawn`,
    );
  }
}
