import { Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { Caller, CurrentCaller } from '@keypool/platform';
import { MAX_LICENSE_CHARACTERS } from '../import/license-line';
import { LicensesHandler } from '../licenses/licenses.handler';
import { ensureVisible } from '../shared/merchant-scope';
import { bodyParser } from '../shared/parse-body';
import { HISTORY_LIMIT, LicenseHistory, LicenseLedgerHandler } from './license-ledger.handler';

const parseLookup = bodyParser(
  Type.Object(
    {
      value: Type.String({ minLength: 1, maxLength: MAX_LICENSE_CHARACTERS }),
      merchantId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^\\S+$' })),
    },
    { additionalProperties: false },
  ),
);

const ANSWER =
  '{ license: { licenseId, value (masked), masked, status, poolId, merchantId, productId, test, uploadId, importedAt, allocatedAt, withdrawnAt, revokedAt, orderId, lineId }, ' +
  `history: [{ at, kind, orderId, lineId, …detail }] (oldest first, at most ${HISTORY_LIMIT.toLocaleString('en')} after "imported"), more }. ` +
  'kind is imported (uploadId, uploadLabel), allocated, emailed, resent, revealed (auditId, keyId, callerKind), withdrawn (via single | bulk | recall, uploadId, keyId), ' +
  "revoked or returned (via refund, policy, reason). Reveals of an order line's licenses through order-fulfillment are in that service's reveal audit (GET /v1/audit/reveals there); the allocated entry names the order and line.";

/** The license ledger: one license's history, found by id or by value (issue 15 §2). */
@ApiTags('licenses')
@Controller('licenses')
export class LicenseLedgerController {
  constructor(
    private readonly licenses: LicensesHandler,
    private readonly ledger: LicenseLedgerHandler,
  ) {}

  @Post('lookup')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Which license is this value, and what happened to it',
    description:
      'The value goes in the body, never in a URL, and is matched by its keyed hash (trimmed, NFKC form, letter case kept): it is never stored, searched in plain text or logged. ' +
      'A merchant finds only its own licenses; support finds any merchant’s, or one merchant’s with merchantId. ' +
      ANSWER,
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['value'],
      additionalProperties: false,
      properties: {
        value: { type: 'string', minLength: 1, maxLength: MAX_LICENSE_CHARACTERS, example: 'AAAA-BBBB-CCCC-DDDD' },
        merchantId: { type: 'string', minLength: 1, maxLength: 200, description: 'support: only this merchant; a merchant key may name only itself' },
      },
    },
  })
  @ApiResponse({ status: 200, description: 'the license and its history' })
  @ApiResponse({ status: 400, description: `no value, one over ${MAX_LICENSE_CHARACTERS} characters, or an unknown field` })
  @ApiResponse({ status: 404, description: "no license has this value (for a merchant: none of its own; another merchant's is not found either)" })
  @ApiResponse({ status: 409, description: 'support without merchantId: several merchants hold this value; the message names them, add merchantId' })
  async lookup(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<LicenseHistory> {
    const request = parseLookup(body);
    if (caller.kind === 'merchant' && request.merchantId !== undefined && request.merchantId !== caller.merchantId) throw notFound();
    const merchantId = caller.kind === 'merchant' ? caller.merchantId : request.merchantId;
    const found = await this.ledger.findByValue(request.value, merchantId);
    if (found.length === 0) throw notFound();
    if (found.length > 1) {
      throw new ConflictException(`Merchants ${found.map((f) => f.merchantId).join(', ')} each hold this value: add merchantId`);
    }
    const license = ensureVisible(caller, await this.licenses.findOne(found[0].licenseId), 'License');
    return this.ledger.historyOf(license);
  }

  @Get(':licenseId/history')
  @ApiOperation({ summary: "One license's history by id", description: 'For the merchant (its own licenses only) or support. ' + ANSWER })
  @ApiResponse({ status: 200, description: 'the license and its history' })
  @ApiResponse({ status: 404, description: "unknown license id (or not a uuid), or another merchant's license" })
  async history(@CurrentCaller() caller: Caller, @Param('licenseId') licenseId: string): Promise<LicenseHistory> {
    const license = ensureVisible(caller, await this.licenses.findOne(licenseId), 'License');
    return this.ledger.historyOf(license);
  }
}

function notFound(): NotFoundException {
  return new NotFoundException('License not found');
}
