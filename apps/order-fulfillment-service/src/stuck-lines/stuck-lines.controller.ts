import { Controller, Get, HttpException, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, SERVICE_CONFIG } from '@keypool/platform';
import type { FulfillmentConfig } from '../config';
import { StuckLines, StuckLinesPage } from './stuck-lines.handler';
import { parseStuckLinesQuery, stuckStatuses } from './stuck-lines-query';

@ApiTags('stuck lines')
@Controller('stuck-lines')
export class StuckLinesController {
  constructor(
    private readonly stuckLines: StuckLines,
    @Inject(SERVICE_CONFIG) private readonly config: FulfillmentConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Order lines still received or allocated after an age, oldest first',
    description:
      'received: the pool has not answered the allocation request; allocated: notification has not reported the e-mail. ' +
      'A healthy line leaves both within seconds, so a line here waits on an event that may never come (see the dead-letter topics). ' +
      'Support sees every merchant (or one, with merchantId); a merchant key sees its own lines. keypool_order_lines_stuck counts the same lines at STUCK_LINE_AGE_MS.',
  })
  @ApiQuery({
    name: 'olderThanSeconds',
    required: false,
    description: 'in the status for longer than this; default STUCK_LINE_AGE_MS (15 minutes); 0 to 2592000',
  })
  @ApiQuery({ name: 'merchantId', required: false, description: "support: one merchant's lines; a merchant key may name only itself" })
  @ApiQuery({ name: 'status', required: false, enum: stuckStatuses })
  @ApiQuery({ name: 'limit', required: false, description: 'lines per page, 1 to 500, default 100' })
  @ApiQuery({ name: 'cursor', required: false, description: 'the nextCursor of the previous page; leave out for the first page' })
  @ApiResponse({
    status: 200,
    description:
      '{ olderThanSeconds, lines: [{orderId, lineId, merchantId, productId, status, since, stuckSeconds, test}], nextCursor? } — nextCursor only when more lines follow',
  })
  @ApiResponse({ status: 400, description: 'a bad olderThanSeconds, status, limit or cursor, named in the message' })
  @ApiResponse({ status: 404, description: 'a merchant key naming another merchant' })
  async list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>): Promise<StuckLinesPage> {
    const parsed = parseStuckLinesQuery(caller, query, this.config.STUCK_LINE_AGE_MS);
    if (!parsed.ok) throw new HttpException(parsed.problem.message, parsed.problem.status);
    return this.stuckLines.list(parsed.value);
  }
}
