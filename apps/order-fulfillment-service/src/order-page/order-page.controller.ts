import { BadRequestException, Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CheckoutRoute, CurrentKeyHolder, KeyHolder } from '@keypool/platform';
import { ORDER_PAGE_REASON, OrderPage, OrderPages } from './order-page.handler';

@ApiTags('order page')
@Controller('orders')
export class OrderPageController {
  constructor(private readonly pages: OrderPages) {}

  @Get(':orderId/order-page')
  @CheckoutRoute()
  @ApiOperation({
    summary: "What the customer's order page shows: the lines of products shown on the order page, with their license values",
    description:
      "The one route a checkout API key (API_KEYS `<key>=checkout:<merchantId>`) may call, for its own merchant's orders; merchant and support keys may call it too. " +
      'Only lines of products whose delivery setting has showOnOrderPage appear; the customer, notes, e-mails and other lines never do. ' +
      `A refunded or cancelled line shows no values. Every line whose values are shown is recorded in the reveal audit log (reason "${ORDER_PAGE_REASON}").`,
  })
  @ApiParam({ name: 'orderId', description: 'the order id, at most 200 characters' })
  @ApiResponse({
    status: 200,
    description: '{ orderId, lines: [{lineId, productId, productName, quantity, status, waiting, licenses: [{licenseId, value}]}] }',
  })
  @ApiResponse({ status: 400, description: 'an orderId longer than 200 characters' })
  @ApiResponse({ status: 404, description: "unknown, or another merchant's order" })
  async read(@CurrentKeyHolder() holder: KeyHolder, @Param('orderId') orderId: string): Promise<OrderPage> {
    if (orderId.length > 200) throw new BadRequestException('orderId: must be at most 200 characters');
    const page = await this.pages.read(holder, orderId);
    if (!page) throw new NotFoundException(`order ${orderId} not found`);
    return page;
  }
}
