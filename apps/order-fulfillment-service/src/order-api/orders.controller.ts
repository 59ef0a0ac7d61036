import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidParams, ValidQuery, unwrapResult } from '@keypool/platform';
import { OrderPath } from '../orders/order-paths';
import { ListOrders, type OrderPage } from './order-list.handler';
import { OrderListParams } from './order-list-query';
import { ReadOrder, type OrderView } from './order-view.handler';

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly listing: ListOrders,
    private readonly reading: ReadOrder,
  ) {}

  @Get()
  @Endpoint({
    operationId: 'listOrders',
    summary: "Lists a merchant's orders, newest first, with each line's status",
    query: OrderListParams,
    ok: {
      description: '{ orders: [{orderId, status, receivedAt, fulfilledAt, customerEmail, lines}], nextCursor? } — nextCursor only when more orders follow',
    },
    errors: { 400: 'a support key that names no merchant, or a cursor this API did not return', 404: 'a merchant key naming another merchant' },
  })
  async list(@CurrentCaller() caller: Caller, @ValidQuery(OrderListParams) query: Static<typeof OrderListParams>): Promise<OrderPage> {
    return unwrapResult(await this.listing.list(caller, query));
  }

  @Get(':orderId')
  @Endpoint({
    operationId: 'getOrder',
    summary:
      'An order with its lines, statuses with times, licenses (masked, for support too, except for the merchant on products shown on the order page; POST …/licenses/reveal shows them, audited) and e-mail history',
    params: OrderPath,
    ok: { description: 'the order' },
    errors: { 404: "unknown, or another merchant's order" },
  })
  async read(@CurrentCaller() caller: Caller, @ValidParams(OrderPath) path: Static<typeof OrderPath>): Promise<OrderView> {
    return unwrapResult(await this.reading.read(caller, path.orderId));
  }
}
