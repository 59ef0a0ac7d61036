import { Module } from '@nestjs/common';
import { LicensesModule } from '../licenses/licenses.module';
import { EmailLedgerConsumer } from './email-ledger.consumer';
import { LicenseLedgerController } from './license-ledger.controller';
import { LookupLicenseByValue, ReadLicenseHistory } from './license-ledger.handler';
import { OrderRevealsConsumer } from './order-reveals.consumer';

/** The license ledger: read by id or by value over HTTP; EmailSent appends the emailed and resent entries, LicensesRevealed the reveals made through order-fulfillment. */
@Module({
  imports: [LicensesModule],
  controllers: [LicenseLedgerController],
  providers: [ReadLicenseHistory, LookupLicenseByValue, EmailLedgerConsumer, OrderRevealsConsumer],
})
export class LedgerModule {}
