import { Controller, HttpCode, HttpException, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Topics } from '@keypool/contracts';
import { Messaging } from '@keypool/messaging';
import { Caller, CurrentCaller, SecretBox, TOPICS } from '@keypool/platform';
import { FulfillmentMetrics } from '../metrics/fulfillment-metrics';
import { ResendRequest, resendLicenses } from './resend-licenses.handler';

@ApiTags('orders')
@Controller('orders/:orderId')
export class ResendController {
  constructor(
    private readonly messaging: Messaging,
    private readonly cipher: SecretBox,
    private readonly metrics: FulfillmentMetrics,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  @Post('resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'E-mails the saved licenses of every line that has them again (one resend LicenseAllocated per line)' })
  @ApiResponse({ status: 202, description: '{ resent: [{lineId, eventId, resendof}], skipped: [{lineId, message}] }' })
  @ApiResponse({ status: 404, description: "unknown, or another merchant's order" })
  @ApiResponse({ status: 409, description: 'no line of the order has licenses yet' })
  resendOrder(@CurrentCaller() caller: Caller, @Param('orderId') orderId: string) {
    return this.resend({ caller, orderId });
  }

  @Post('lines/:lineId/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'E-mails the saved licenses of one line again' })
  @ApiResponse({ status: 202, description: '{ resent: [{lineId, eventId, resendof}], skipped: [] }' })
  @ApiResponse({ status: 404, description: "unknown order or line, or another merchant's order" })
  @ApiResponse({ status: 409, description: 'the line has no licenses yet; says when it will be e-mailed' })
  resendLine(@CurrentCaller() caller: Caller, @Param('orderId') orderId: string, @Param('lineId') lineId: string) {
    return this.resend({ caller, orderId, lineId });
  }

  private async resend(request: ResendRequest) {
    const outcome = await this.messaging.transactions.run((tx) => resendLicenses(tx, request, { cipher: this.cipher, topics: this.topics }));
    if (!outcome.ok) throw new HttpException(outcome.message, outcome.status);
    this.metrics.resends.inc(outcome.resent.length);
    return { resent: outcome.resent, skipped: outcome.skipped };
  }
}
