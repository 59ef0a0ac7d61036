import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@keypool/platform';
import { licenseHashKey } from '../config';
import { StockModule } from '../stock/stock.module';
import { LICENSE_HASH_KEY } from './license-hash';
import { LicenseHashBackfill } from './license-hash-backfill';
import { LicenseLookupController } from './license-lookup.controller';
import { LicensesController } from './licenses.controller';
import { FindLicense, ListLicenses, RevealLicense, WithdrawLicense } from './licenses.handler';

/**
 * A pool's licenses: listed masked, revealed one at a time (audited), withdrawn while unused,
 * found by id. Provides the license-value hash key, mapped from the settings, to the features
 * that match values (uploads, the ledger).
 */
@Module({
  imports: [StockModule],
  controllers: [LicensesController, LicenseLookupController],
  providers: [
    ListLicenses,
    FindLicense,
    RevealLicense,
    WithdrawLicense,
    LicenseHashBackfill,
    { provide: LICENSE_HASH_KEY, inject: [SERVICE_CONFIG], useFactory: licenseHashKey },
  ],
  exports: [FindLicense, LICENSE_HASH_KEY],
})
export class LicensesModule {}
