import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidQuery } from '@keypool/platform';
import { ListHeldLines } from './held-lines.handler';
import { HeldLinePage, HeldLinesQuery } from './held-lines.schemas';

@ApiTags('held lines')
@Controller('held-lines')
export class HeldLinesController {
  constructor(private readonly heldLines: ListHeldLines) {}

  @Get()
  @Endpoint({
    operationId: 'listHeldLines',
    summary: 'Order lines waiting for licenses, oldest first',
    description: 'awaiting_stock: the pool lacks licenses; unroutable: no pool serves the product. Each is served automatically, never dropped.',
    query: HeldLinesQuery,
    ok: { schema: HeldLinePage },
  })
  list(@CurrentCaller() caller: Caller, @ValidQuery(HeldLinesQuery) query: Static<typeof HeldLinesQuery>): Promise<Static<typeof HeldLinePage>> {
    return this.heldLines.list(caller, query);
  }
}
