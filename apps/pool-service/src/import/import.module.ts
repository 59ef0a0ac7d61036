import { Module } from '@nestjs/common';
import { SERVICE_CONFIG, SecretBox } from '@keypool/platform';
import { DataSource } from 'typeorm';
import { type PoolConfig, licenseHashKey } from '../config';
import { PoolsModule } from '../pools/pools.module';
import { StockModule } from '../stock/stock.module';
import { ImportLicensesHandler } from './import-licenses.handler';
import { ImportMetrics } from './import-metrics';
import { ImportUpload } from './import-upload';
import { ImportController } from './import.controller';
import { KeyFormatController } from './key-format.controller';
import { ServeAfterImport } from './serve-after-import';
import { TryKeyFormat } from './try-key-format';

/**
 * Licenses in: an upload streamed to a spool file, judged line by line and stored in rounds, then
 * the pool's held lines served (ImportUpload); and the try of a key format against a file (TryKeyFormat). The importer is built
 * by a factory because its hash key and batch size are settings.
 */
@Module({
  imports: [StockModule, PoolsModule],
  controllers: [ImportController, KeyFormatController],
  providers: [
    ImportUpload,
    TryKeyFormat,
    ServeAfterImport,
    ImportMetrics,
    {
      provide: ImportLicensesHandler,
      inject: [DataSource, SecretBox, SERVICE_CONFIG],
      useFactory: (dataSource: DataSource, cipher: SecretBox, config: PoolConfig) =>
        new ImportLicensesHandler(dataSource, cipher, licenseHashKey(config), config.IMPORT_BATCH_SIZE),
    },
  ],
})
export class ImportModule {}
