import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { SERVICE_CONFIG } from '../platform.module';
import { DatabaseReadiness } from './database-probe';
import { ensureDatabaseWhenReachable, isDatabaseAway } from './ensure-database';

const STARTUP_WAIT_MS = 600000;
const RETRY_DELAY_MS = 3000;
import { runMigrationsUnderLock } from './migrate-under-lock';

export interface ServiceDatabaseOptions {
  entities: NonNullable<DataSourceOptions['entities']>;
  migrations: NonNullable<DataSourceOptions['migrations']>;
}

interface DatabaseConfig {
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
}

/**
 * Schema changes only ever come from migrations, run before the service takes traffic, by
 * ServiceDatabaseModule under an advisory lock (not by TypeORM's migrationsRun, which takes none).
 */
export function typeOrmOptions(config: DatabaseConfig, options: ServiceDatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    entities: options.entities,
    migrations: options.migrations,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Not 'error': TypeORM prints a failed query with its parameters (customer data, sealed
    // values) to stdout, outside the redacting logger. Errors reach the caller, which logs
    // what failed without the parameters.
    logging: ['migration'],
    extra: { max: config.DATABASE_POOL_SIZE, application_name: 'keypool' },
  };
}

/**
 * The service's own PostgreSQL database, from DATABASE_URL: created when the server lacks it,
 * then migrated (one instance at a time), before anything else touches it. It registers the
 * `database` readiness probe.
 */
@Module({})
export class ServiceDatabaseModule {
  static forRoot(options: ServiceDatabaseOptions): DynamicModule {
    return {
      module: ServiceDatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [SERVICE_CONFIG],
          useFactory: async (config: DatabaseConfig) => {
            // A service (re)started while PostgreSQL is away waits for it, as it does for Kafka.
            await ensureDatabaseWhenReachable(config.DATABASE_URL, STARTUP_WAIT_MS);
            return {
              ...typeOrmOptions(config, options),
              retryAttempts: STARTUP_WAIT_MS / RETRY_DELAY_MS,
              retryDelay: RETRY_DELAY_MS,
              // Only a database that is away is waited for; a failing migration stops the start at once.
              toRetry: (error: unknown) => isDatabaseAway(error) || isDatabaseAway((error as { driverError?: unknown })?.driverError),
            };
          },
          dataSourceFactory: async (dataSourceOptions) => {
            const dataSource = await new DataSource(dataSourceOptions as DataSourceOptions).initialize();
            // A failed run is retried by TypeOrmModule with a new data source: close this one.
            await runMigrationsUnderLock(dataSource).catch(async (error: unknown) => {
              await dataSource.destroy();
              throw error;
            });
            return dataSource;
          },
        }),
      ],
      providers: [DatabaseReadiness],
    };
  }
}
