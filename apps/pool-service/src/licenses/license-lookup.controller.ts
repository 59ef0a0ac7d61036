import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Endpoint, unwrapResult } from '@keypool/platform';
import { FindLicense, LicenseDetail } from './licenses.handler';
import { LicenseDetailSchema, NO_SUCH_LICENSE } from './licenses.schemas';

/**
 * A license by id alone: what a merchant's activation server receives in LicenseRevoked
 * (licenseId, poolId, order and line, never the value). The value stays masked here; the full one
 * is read through the audited reveal of its pool.
 */
@ApiTags('licenses')
@Controller('licenses')
export class LicenseLookupController {
  constructor(private readonly licenses: FindLicense) {}

  @Get(':licenseId')
  @Endpoint({
    operationId: 'getLicense',
    summary: 'One license by id: status (revoked included), pool, order line if sold',
    description:
      'For the merchant (its own licenses only) or support. The value is masked as in every view; POST /v1/pools/{poolId}/licenses/{licenseId}/reveal shows it, audited.',
    ok: { description: 'the license, its value masked', schema: LicenseDetailSchema },
    errors: { 404: NO_SUCH_LICENSE },
  })
  async find(@CurrentCaller() caller: Caller, @Param('licenseId') licenseId: string): Promise<LicenseDetail> {
    return unwrapResult(await this.licenses.find(caller, licenseId));
  }
}
