import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidBody, ValidParams, unwrapResult } from '@keypool/platform';
import { OrderLinePath } from '../orders/order-paths';
import { RevealBody, RevealLineLicenses, type RevealedLine } from './reveal-line-licenses.handler';

@ApiTags('reveal')
@Controller()
export class RevealController {
  constructor(private readonly reveals: RevealLineLicenses) {}

  @Post('orders/:orderId/lines/:lineId/licenses/reveal')
  @HttpCode(200)
  @Endpoint({
    operationId: 'revealOrderLineLicenses',
    summary: "Shows one line's license values, and records who asked, when and why",
    description:
      "Order views mask license values (except, for the merchant, products shown on the order page); this is the one way to read them. Every call is an entry of the reveal audit log, and a `revealed` entry (with its auditId) in each license's history at pool-service (`GET /v1/licenses/{licenseId}/history`).",
    params: OrderLinePath,
    body: RevealBody,
    ok: { description: '{ orderId, lineId, licenses: [{licenseId, value}], auditId }' },
    errors: { 400: 'no reason, or one too short or too long', 404: "unknown order or line, or another merchant's order", 409: 'the line has no licenses yet' },
  })
  async revealLine(
    @CurrentCaller() caller: Caller,
    @ValidParams(OrderLinePath) path: Static<typeof OrderLinePath>,
    @ValidBody(RevealBody) body: Static<typeof RevealBody>,
  ): Promise<RevealedLine> {
    return unwrapResult(await this.reveals.reveal({ caller, orderId: path.orderId, lineId: path.lineId, reason: body.reason }));
  }
}
