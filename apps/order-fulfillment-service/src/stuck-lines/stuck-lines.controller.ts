import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidQuery, unwrapResult } from '@keypool/platform';
import { ListStuckLines, type StuckLinesPage } from './stuck-lines.handler';
import { StuckLinesParams } from './stuck-lines-query';

@ApiTags('stuck lines')
@Controller('stuck-lines')
export class StuckLinesController {
  constructor(private readonly stuckLines: ListStuckLines) {}

  @Get()
  @Endpoint({
    operationId: 'listStuckLines',
    summary: 'Order lines still received or allocated after an age, oldest first',
    description:
      'received: the pool has not answered the allocation request; allocated: notification has not reported the e-mail. ' +
      'A healthy line leaves both within seconds, so a line here waits on an event that may never come (see the dead-letter topics). ' +
      'Support sees every merchant (or one, with merchantId); a merchant key sees its own lines. keypool_order_lines_stuck counts the same lines at STUCK_LINE_AGE_MS.',
    query: StuckLinesParams,
    ok: {
      description:
        '{ olderThanSeconds, lines: [{orderId, lineId, merchantId, productId, status, since, stuckSeconds, test}], nextCursor? } — nextCursor only when more lines follow',
    },
    errors: { 400: 'a cursor this API did not return', 404: 'a merchant key naming another merchant' },
  })
  async list(@CurrentCaller() caller: Caller, @ValidQuery(StuckLinesParams) query: Static<typeof StuckLinesParams>): Promise<StuckLinesPage> {
    return unwrapResult(await this.stuckLines.list(caller, query));
  }
}
