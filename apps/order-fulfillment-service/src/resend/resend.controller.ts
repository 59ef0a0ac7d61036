import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidParams, unwrapResult } from '@keypool/platform';
import { OrderLinePath, OrderPath } from '../orders/order-paths';
import { ResendLicenses, type Resent } from './resend-licenses.handler';

@ApiTags('orders')
@Controller('orders/:orderId')
export class ResendController {
  constructor(private readonly resending: ResendLicenses) {}

  @Post('resend')
  @HttpCode(202)
  @Endpoint({
    operationId: 'resendOrder',
    summary: 'E-mails the saved licenses of every line that has them again (one resend LicenseAllocated per line)',
    params: OrderPath,
    ok: { status: 202, description: '{ resent: [{lineId, eventId, resendof}], skipped: [{lineId, message}] }' },
    errors: { 404: "unknown, or another merchant's order", 409: 'no line of the order has licenses yet' },
  })
  async resendOrder(@CurrentCaller() caller: Caller, @ValidParams(OrderPath) path: Static<typeof OrderPath>): Promise<Resent> {
    return unwrapResult(await this.resending.resend({ caller, orderId: path.orderId }));
  }

  @Post('lines/:lineId/resend')
  @HttpCode(202)
  @Endpoint({
    operationId: 'resendOrderLine',
    summary: 'E-mails the saved licenses of one line again',
    params: OrderLinePath,
    ok: { status: 202, description: '{ resent: [{lineId, eventId, resendof}], skipped: [] }' },
    errors: { 404: "unknown order or line, or another merchant's order", 409: 'the line has no licenses yet; says when it will be e-mailed' },
  })
  async resendLine(@CurrentCaller() caller: Caller, @ValidParams(OrderLinePath) path: Static<typeof OrderLinePath>): Promise<Resent> {
    return unwrapResult(await this.resending.resend({ caller, orderId: path.orderId, lineId: path.lineId }));
  }
}
