import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@keypool/messaging';
import { PlatformModule, RevealAuditController, ServiceDatabaseModule } from '@keypool/platform';
import { AllocationConsumer } from './allocation/allocation.consumer';
import { RefundConsumer } from './refunds/refund.consumer';
import { poolRetention } from './refunds/refund-retention';
import { HeldLineSweeper } from './allocation/held-line-sweeper';
import { PoolMetrics } from './stock/pool-metrics';
import { PoolConfig, poolEnvSchema } from './config';
import { HeldLinesController } from './held-lines/held-lines.controller';
import { ImportController } from './import/import.controller';
import { KeyFormatController } from './import/key-format.controller';
import { ImportMetrics } from './import/import-metrics';
import { ServeAfterImport } from './import/serve-after-import';
import { LicenseHashBackfill } from './licenses/license-hash-backfill';
import { EmailLedgerConsumer } from './ledger/email-ledger.consumer';
import { LicenseLedgerController } from './ledger/license-ledger.controller';
import { LicenseLookupController } from './licenses/license-lookup.controller';
import { LicensesController } from './licenses/licenses.controller';
import { poolMigrations } from './migrations';
import { PoolConsumptionController } from './pools/pool-consumption.controller';
import { PoolsController } from './pools/pools.controller';
import { UploadsController } from './uploads/uploads.controller';
import { poolServiceProviders } from './pool-service.providers';

/** Built from an environment so tests can start the service with their own database and topics. */
@Module({})
export class AppModule {
  static forEnv(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ serviceName: 'pool-service', envSchema: poolEnvSchema, env }),
        // No entities: every query of pool-service is SQL; the tables are the migrations'.
        ServiceDatabaseModule.forRoot({ entities: [], migrations: poolMigrations }),
        MessagingModule.forRoot({
          topics: (topics) => ({
            produces: [topics.licenseAllocated, topics.poolLow, topics.allocationDeferred, topics.licenseRevoked],
            consumes: [topics.allocationRequested, topics.allocationRefunded, topics.emailSent],
          }),
          retention: (config: PoolConfig) => poolRetention(config),
        }),
      ],
      controllers: [
        PoolsController,
        PoolConsumptionController,
        ImportController,
        KeyFormatController,
        LicensesController,
        LicenseLookupController,
        LicenseLedgerController,
        HeldLinesController,
        UploadsController,
        RevealAuditController,
      ],
      providers: [
        ...poolServiceProviders,
        ServeAfterImport,
        ImportMetrics,
        PoolMetrics,
        AllocationConsumer,
        RefundConsumer,
        EmailLedgerConsumer,
        HeldLineSweeper,
        LicenseHashBackfill,
      ],
    };
  }
}
