import { Module } from '@nestjs/common';
import { LicensesModule } from '../licenses/licenses.module';
import { EmailLedgerConsumer } from './email-ledger.consumer';
import { LicenseLedgerController } from './license-ledger.controller';
import { LookupLicenseByValue, ReadLicenseHistory } from './license-ledger.handler';

/** The license ledger: read by id or by value over HTTP; EmailSent appends the emailed and resent entries. */
@Module({
  imports: [LicensesModule],
  controllers: [LicenseLedgerController],
  providers: [ReadLicenseHistory, LookupLicenseByValue, EmailLedgerConsumer],
})
export class LedgerModule {}
