import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@keypool/messaging';
import { PlatformModule, RevealAuditModule, ServiceDatabaseModule } from '@keypool/platform';
import { AllocationModule } from './allocation/allocation.module';
import { poolEnvSchema, type PoolConfig } from './config';
import { HeldLinesModule } from './held-lines/held-lines.module';
import { ImportModule } from './import/import.module';
import { LedgerModule } from './ledger/ledger.module';
import { LicensesModule } from './licenses/licenses.module';
import { poolMigrations } from './migrations';
import { PoolsModule } from './pools/pools.module';
import { poolRetention } from './refunds/refund-retention';
import { RefundsModule } from './refunds/refunds.module';
import { StockModule } from './stock/stock.module';
import { UploadsModule } from './uploads/uploads.module';

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
            consumes: [topics.allocationRequested, topics.allocationRefunded, topics.emailSent, topics.licensesRevealed],
          }),
          retention: (config: PoolConfig) => poolRetention(config),
        }),
        StockModule,
        AllocationModule,
        RefundsModule,
        PoolsModule,
        ImportModule,
        LicensesModule,
        LedgerModule,
        UploadsModule,
        HeldLinesModule,
        RevealAuditModule,
      ],
    };
  }
}
