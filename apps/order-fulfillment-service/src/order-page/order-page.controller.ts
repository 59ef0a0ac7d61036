import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { CheckoutRoute, CurrentKeyHolder, Endpoint, KeyHolder, ValidParams, unwrapResult } from '@keypool/platform';
import { OrderPath } from '../orders/order-paths';
import { ORDER_PAGE_REASON, OrderPage, ReadOrderPage } from './order-page.handler';

@ApiTags('order page')
@Controller('orders')
export class OrderPageController {
  constructor(private readonly pages: ReadOrderPage) {}

  @Get(':orderId/order-page')
  @CheckoutRoute()
  @Endpoint({
    operationId: 'getOrderPage',
    summary: "What the customer's order page shows: the lines of products shown on the order page, with their license values",
    description:
      "The one route a checkout API key (API_KEYS `<key>=checkout:<merchantId>`) may call, for its own merchant's orders; merchant and support keys may call it too. " +
      'Only lines of products whose delivery setting has showOnOrderPage appear; the customer, notes, e-mails and other lines never do. ' +
      `A refunded or cancelled line shows no values. Every line whose values are shown is recorded in the reveal audit log (reason "${ORDER_PAGE_REASON}").`,
    params: OrderPath,
    ok: { description: '{ orderId, lines: [{lineId, productId, productName, quantity, status, waiting, licenses: [{licenseId, value}]}] }' },
    errors: { 404: "unknown, or another merchant's order" },
  })
  async read(@CurrentKeyHolder() holder: KeyHolder, @ValidParams(OrderPath) path: Static<typeof OrderPath>): Promise<OrderPage> {
    return unwrapResult(await this.pages.read(holder, path.orderId));
  }
}
