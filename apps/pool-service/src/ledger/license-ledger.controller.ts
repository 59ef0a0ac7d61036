import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidBody, unwrapResult } from '@keypool/platform';
import { MAX_LICENSE_CHARACTERS } from '../import/license-line';
import { NO_SUCH_LICENSE } from '../licenses/licenses.schemas';
import { HISTORY_LIMIT, LicenseHistory, LookupLicenseByValue, ReadLicenseHistory } from './license-ledger.handler';
import { LicenseHistorySchema, LookupBody } from './license-ledger.schemas';

const ANSWER =
  '{ license: { licenseId, value (masked), masked, status, poolId, merchantId, productId, test, uploadId, importedAt, allocatedAt, withdrawnAt, revokedAt, orderId, lineId }, ' +
  `history: [{ at, kind, orderId, lineId, …detail }] (oldest first, at most ${HISTORY_LIMIT.toLocaleString('en')} after "imported"), more }. ` +
  'kind is imported (uploadId, uploadLabel, keyId, callerKind), allocated, emailed, resent, revealed (auditId, keyId, callerKind), withdrawn (via single | bulk | recall, uploadId, keyId), ' +
  "revoked or returned (via refund, policy, reason). A reveal of an order line's licenses through order-fulfillment is a revealed entry too (via order_line, that service's audit id: its GET /v1/audit/reveals keeps the reason).";

/** The license ledger: one license's history, found by id or by value (issue 15 §2). */
@ApiTags('licenses')
@Controller('licenses')
export class LicenseLedgerController {
  constructor(
    private readonly lookingUp: LookupLicenseByValue,
    private readonly reading: ReadLicenseHistory,
  ) {}

  @Post('lookup')
  @HttpCode(200)
  @Endpoint({
    operationId: 'lookupLicenseByValue',
    summary: 'Which license is this value, and what happened to it',
    description:
      'The value goes in the body, never in a URL, and is matched by its keyed hash (trimmed, NFKC form, letter case kept): it is never stored, searched in plain text or logged. ' +
      'A merchant finds only its own licenses; support finds any merchant’s, or one merchant’s with merchantId. ' +
      ANSWER,
    body: LookupBody,
    ok: { description: 'the license and its history', schema: LicenseHistorySchema },
    errors: {
      400: `no value, one over ${MAX_LICENSE_CHARACTERS} characters, or an unknown field`,
      404: "no license has this value (for a merchant: none of its own; another merchant's is not found either)",
      409: 'support without merchantId: several merchants hold this value; the message names them, add merchantId',
    },
  })
  async lookup(@CurrentCaller() caller: Caller, @ValidBody(LookupBody) body: Static<typeof LookupBody>): Promise<LicenseHistory> {
    return unwrapResult(await this.lookingUp.lookup(caller, body.value, body.merchantId));
  }

  @Get(':licenseId/history')
  @Endpoint({
    operationId: 'getLicenseHistory',
    summary: "One license's history by id",
    description: 'For the merchant (its own licenses only) or support. ' + ANSWER,
    ok: { description: 'the license and its history', schema: LicenseHistorySchema },
    errors: { 404: NO_SUCH_LICENSE },
  })
  async history(@CurrentCaller() caller: Caller, @Param('licenseId') licenseId: string): Promise<LicenseHistory> {
    return unwrapResult(await this.reading.read(caller, licenseId));
  }
}
