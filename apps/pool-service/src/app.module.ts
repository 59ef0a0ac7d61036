import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingModule } from '@keypool/messaging';
import { PlatformModule, SERVICE_CONFIG, ensureDatabase, typeOrmOptions } from '@keypool/platform';
import { PoolConfig, poolEnvSchema } from './config';
import { poolMigrations } from './migrations';

/** Built from an environment so tests can start the service with their own database and topics. */
@Module({})
export class AppModule {
  static forEnv(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ serviceName: 'pool-service', envSchema: poolEnvSchema, env }),
        TypeOrmModule.forRootAsync({
          inject: [SERVICE_CONFIG],
          useFactory: async (config: PoolConfig) => {
            await ensureDatabase(config.DATABASE_URL);
            return typeOrmOptions({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, entities: [], migrations: poolMigrations });
          },
        }),
        MessagingModule.forRoot({
          topics: (topics) => ({ produces: [topics.licenseAllocated, topics.poolLow], consumes: [topics.allocationRequested] }),
        }),
      ],
    };
  }
}
