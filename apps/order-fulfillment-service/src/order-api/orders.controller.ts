import { BadRequestException, Controller, Get, HttpException, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '@keypool/platform';
import type { OrderPage } from './order-list.handler';
import { listableStatuses, parseOrderListQuery } from './order-list-query';
import { OrderReads } from './order-reads';
import type { OrderView } from './order-view.handler';

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrderReads) {}

  @Get()
  @ApiOperation({ summary: "Lists a merchant's orders, newest first, with each line's status" })
  @ApiQuery({ name: 'merchantId', required: false, description: 'required for support keys; a merchant key lists its own orders' })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: listableStatuses,
    description:
      'an order status as listed (received, fulfilled, refunded, partially_refunded: a refunded order is listed as refunded only), or a line status (orders with a line in it)',
  })
  @ApiQuery({ name: 'customerEmail', required: false, description: "only the orders of this customer's e-mail address (any case)" })
  @ApiQuery({ name: 'limit', required: false, description: 'orders per page, 1 to 500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'the nextCursor of the previous page; leave out for the first page' })
  @ApiResponse({
    status: 200,
    description: '{ orders: [{orderId, status, receivedAt, fulfilledAt, customerEmail, lines}], nextCursor? } — nextCursor only when more orders follow',
  })
  @ApiResponse({ status: 400, description: 'a bad status, limit, customerEmail or cursor, named in the message' })
  async list(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>): Promise<OrderPage> {
    const parsed = parseOrderListQuery(caller, query);
    if (!parsed.ok) throw new HttpException(parsed.problem.message, parsed.problem.status);
    return this.orders.list(parsed.value);
  }

  @Get(':orderId')
  @ApiOperation({
    summary:
      'An order with its lines, statuses with times, licenses (masked, for support too, except for the merchant on products shown on the order page; POST …/licenses/reveal shows them, audited) and e-mail history',
  })
  @ApiResponse({ status: 200, description: 'the order' })
  @ApiResponse({ status: 404, description: "unknown, or another merchant's order" })
  async read(@CurrentCaller() caller: Caller, @Param('orderId') orderId: string): Promise<OrderView> {
    if (orderId.length > 200) throw new BadRequestException('orderId: must be at most 200 characters');
    const order = await this.orders.read(caller, orderId);
    if (!order) throw new NotFoundException(`order ${orderId} not found`);
    return order;
  }
}
