import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '@keypool/platform';
import { ensureVisible } from '../shared/merchant-scope';
import { LicenseDetail, LicensesHandler } from './licenses.handler';

/**
 * A license by id alone: what a merchant's activation server receives in LicenseRevoked
 * (licenseId, poolId, order and line, never the value). The value stays masked here; the full one
 * is read through the audited reveal of its pool.
 */
@ApiTags('licenses')
@Controller('licenses')
export class LicenseLookupController {
  constructor(private readonly licenses: LicensesHandler) {}

  @Get(':licenseId')
  @ApiOperation({
    summary: 'One license by id: status (revoked included), pool, order line if sold',
    description:
      'For the merchant (its own licenses only) or support. The value is masked as in every view; POST /v1/pools/{poolId}/licenses/{licenseId}/reveal shows it, audited. Answers { licenseId, value, masked, status, poolId, merchantId, productId, test, importedAt, allocatedAt, withdrawnAt, revokedAt, orderId, lineId }.',
  })
  @ApiResponse({ status: 200, description: 'the license, its value masked' })
  @ApiResponse({ status: 404, description: "unknown license id (or not a uuid), or another merchant's license" })
  async find(@CurrentCaller() caller: Caller, @Param('licenseId') licenseId: string): Promise<LicenseDetail> {
    return ensureVisible(caller, await this.licenses.findOne(licenseId), 'License');
  }
}
