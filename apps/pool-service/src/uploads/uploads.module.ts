import { Module } from '@nestjs/common';
import { LicensesModule } from '../licenses/licenses.module';
import { StockModule } from '../stock/stock.module';
import { UploadsController } from './uploads.controller';
import { ListUploads, ReadUpload, RecallUpload, WithdrawByValue } from './uploads.handler';

/** Uploads (one per committed import) and the ways to take a batch of licenses back: recall an upload, or withdraw a list of values. */
@Module({
  imports: [StockModule, LicensesModule],
  controllers: [UploadsController],
  providers: [ListUploads, ReadUpload, RecallUpload, WithdrawByValue],
})
export class UploadsModule {}
