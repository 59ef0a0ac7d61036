import { BadRequestException, Body, Controller, Get, HttpCode, HttpException, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Caller, CurrentCaller, REVEAL_REASON, SecretBox, parseRevealRequest, readRevealAudit } from '@keypool/platform';
import { revealLineLicenses } from './reveal-line-licenses.handler';

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
  constructor(private readonly dataSource: DataSource, private readonly cipher: SecretBox) {}

  @Post('orders/:orderId/lines/:lineId/licenses/reveal')
  @HttpCode(200)
  @ApiOperation({
    summary: "Shows one line's license values, and records who asked, when and why",
    description: 'Order views mask license values (except, for the merchant, products shown on the order page); this is the one way to read them. Every call is an entry of the reveal audit log.',
  })
  @ApiBody(revealBody)
  @ApiResponse({ status: 200, description: '{ orderId, lineId, licenses: [{licenseId, value}], auditId }' })
  @ApiResponse({ status: 400, description: 'no reason, or one too short or too long' })
  @ApiResponse({ status: 404, description: "unknown order or line, or another merchant's order" })
  @ApiResponse({ status: 409, description: 'the line has no licenses yet' })
  async revealLine(@CurrentCaller() caller: Caller, @Param('orderId') orderId: string, @Param('lineId') lineId: string, @Body() body: unknown) {
    const request = parseRevealRequest(body);
    if (!request.ok) throw new BadRequestException(request.error);
    const outcome = await this.dataSource.transaction((manager) => revealLineLicenses(manager, this.cipher, { caller, orderId, lineId, reason: request.value.reason }));
    if (!outcome.ok) throw new HttpException(outcome.message, outcome.status);
    const { orderId: revealedOrder, lineId: revealedLine, licenses, auditId } = outcome;
    return { orderId: revealedOrder, lineId: revealedLine, licenses, auditId };
  }

  @Get('audit/reveals')
  @ApiOperation({
    summary: 'The reveal audit log, newest first',
    description: "Support reads every entry (or one merchant's); a merchant key reads the entries about its own licenses, whoever revealed them.",
  })
  @ApiQuery({ name: 'merchantId', required: false, description: "support only: one merchant's entries" })
  @ApiQuery({ name: 'limit', required: false, description: '1–500, default 100' })
  @ApiQuery({ name: 'before', required: false, description: 'nextCursor of the previous page' })
  @ApiResponse({ status: 200, description: '{ items: [{id, at, keyId, callerKind, merchantId, subject, licenseIds, reason}], nextCursor }' })
  @ApiResponse({ status: 400, description: 'a bad limit or cursor, named in the message' })
  async audit(@CurrentCaller() caller: Caller, @Query('merchantId') merchantId?: string, @Query('limit') limit?: string, @Query('before') before?: string) {
    return readRevealAudit(this.dataSource.manager, caller, { ...auditPage(limit, before), ...(merchantId ? { merchantId } : {}) });
  }
}

function auditPage(limit: string | undefined, before: string | undefined): { limit: number; before?: string } {
  const size = limit === undefined ? 100 : Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > 500) throw new BadRequestException('limit: must be a whole number from 1 to 500');
  if (before !== undefined && !/^\d{1,18}$/.test(before)) throw new BadRequestException('before: must be the nextCursor of the previous page');
  return { limit: size, ...(before !== undefined ? { before } : {}) };
}
