import { BadRequestException, Body, Controller, HttpCode, HttpException, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, REVEAL_REASON, parseRevealRequest } from '@keypool/platform';
import { RevealLineLicenses } from './reveal-line-licenses.handler';

const revealBody = {
  schema: {
    type: 'object',
    required: ['reason'],
    additionalProperties: false,
    properties: { reason: { type: 'string', minLength: REVEAL_REASON.min, maxLength: REVEAL_REASON.max, example: 'ticket 4711: customer lost the e-mail' } },
  },
};

@ApiTags('reveal')
@Controller()
export class RevealController {
  constructor(private readonly reveals: RevealLineLicenses) {}

  @Post('orders/:orderId/lines/:lineId/licenses/reveal')
  @HttpCode(200)
  @ApiOperation({
    summary: "Shows one line's license values, and records who asked, when and why",
    description:
      'Order views mask license values (except, for the merchant, products shown on the order page); this is the one way to read them. Every call is an entry of the reveal audit log.',
  })
  @ApiBody(revealBody)
  @ApiResponse({ status: 200, description: '{ orderId, lineId, licenses: [{licenseId, value}], auditId }' })
  @ApiResponse({ status: 400, description: 'no reason, or one too short or too long' })
  @ApiResponse({ status: 404, description: "unknown order or line, or another merchant's order" })
  @ApiResponse({ status: 409, description: 'the line has no licenses yet' })
  async revealLine(@CurrentCaller() caller: Caller, @Param('orderId') orderId: string, @Param('lineId') lineId: string, @Body() body: unknown) {
    const request = parseRevealRequest(body);
    if (!request.ok) throw new BadRequestException(request.error);
    const outcome = await this.reveals.reveal({ caller, orderId, lineId, reason: request.value.reason });
    if (!outcome.ok) throw new HttpException(outcome.message, outcome.status);
    const { orderId: revealedOrder, lineId: revealedLine, licenses, auditId } = outcome;
    return { orderId: revealedOrder, lineId: revealedLine, licenses, auditId };
  }
}
