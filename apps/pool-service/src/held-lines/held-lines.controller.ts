import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '@keypool/platform';
import { isUuid } from '../shared/ids';
import { cursor, oneOfValues, pageLimit } from '../shared/query-params';
import { HeldLinesHandler } from './held-lines.handler';

@ApiTags('held lines')
@Controller('held-lines')
export class HeldLinesController {
  constructor(private readonly heldLines: HeldLinesHandler) {}

  @Get()
  @ApiOperation({
    summary: 'Order lines waiting for licenses, oldest first',
    description: 'awaiting_stock: the pool lacks licenses; unroutable: no pool serves the product. Each is served automatically, never dropped.',
  })
  @ApiQuery({ name: 'status', required: false, enum: ['awaiting_stock', 'unroutable'] })
  @ApiQuery({ name: 'poolId', required: false })
  @ApiQuery({ name: 'merchantId', required: false, description: 'support only: one merchant' })
  @ApiQuery({ name: 'limit', required: false, description: '1–1000, default 100' })
  @ApiQuery({ name: 'after', required: false, description: 'nextCursor of the previous page' })
  list(
    @CurrentCaller() caller: Caller,
    @Query('status') status?: string,
    @Query('poolId') poolId?: string,
    @Query('merchantId') merchantId?: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
  ) {
    const page = { limit: pageLimit(limit), after: cursor(after) };
    // Not an id, so no pool and no line: an empty page rather than an error.
    if (poolId && !isUuid(poolId)) return { items: [], nextCursor: null };
    return this.heldLines.list({
      merchantId: caller.kind === 'merchant' ? caller.merchantId : merchantId || undefined,
      status: oneOfValues(status, ['awaiting_stock', 'unroutable'] as const, 'status'),
      poolId: poolId || undefined,
      ...page,
    });
  }
}
