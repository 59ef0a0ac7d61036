import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidBody, ValidQuery, unwrapResult } from '@keypool/platform';
import { LicensePage, ListLicenses, RevealLicense, RevealedLicense, WithdrawLicense } from './licenses.handler';
import { LicensePageQuery, LicensePageSchema, RevealBody, RevealedLicenseSchema } from './licenses.schemas';

@ApiTags('licenses')
@Controller('pools/:poolId/licenses')
export class LicensesController {
  constructor(
    private readonly listing: ListLicenses,
    private readonly revealing: RevealLicense,
    private readonly withdrawing: WithdrawLicense,
  ) {}

  @Get()
  @Endpoint({
    operationId: 'listLicenses',
    summary: "List a pool's licenses, oldest first",
    description:
      'Values are masked (first and last four characters, or •••• under 12 characters) for every key, support included; POST …/licenses/{licenseId}/reveal shows one, audited.',
    query: LicensePageQuery,
    ok: { schema: LicensePageSchema },
    errors: { 404: "unknown pool, or another merchant's pool" },
  })
  async list(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @ValidQuery(LicensePageQuery) query: Static<typeof LicensePageQuery>,
  ): Promise<LicensePage> {
    return unwrapResult(await this.listing.list(caller, poolId, query));
  }

  @Post(':licenseId/reveal')
  @HttpCode(200)
  @Endpoint({
    operationId: 'revealLicense',
    summary: "Shows one license's value, and records who asked, when and why",
    description: 'The one way to read a value in full, for the merchant or support. Every call is an entry of the reveal audit log (GET /v1/audit/reveals).',
    body: RevealBody,
    ok: { schema: RevealedLicenseSchema },
    errors: { 400: 'no reason, or one too short or too long', 404: "unknown license or pool, or another merchant's pool" },
  })
  async reveal(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @Param('licenseId') licenseId: string,
    @ValidBody(RevealBody) body: Static<typeof RevealBody>,
  ): Promise<RevealedLicense> {
    return unwrapResult(await this.revealing.reveal(caller, poolId, licenseId, body.reason));
  }

  @Delete(':licenseId')
  @HttpCode(204)
  @Endpoint({
    operationId: 'withdrawLicense',
    summary: 'Withdraw an unused license',
    description: 'Withdrawing twice is fine; an allocated license cannot be withdrawn.',
    ok: { status: 204, description: 'withdrawn' },
    errors: { 404: "unknown license or pool, or another merchant's pool", 409: 'the license is allocated to an order line' },
  })
  async withdraw(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string, @Param('licenseId') licenseId: string): Promise<void> {
    unwrapResult(await this.withdrawing.withdraw(caller, poolId, licenseId));
  }
}
