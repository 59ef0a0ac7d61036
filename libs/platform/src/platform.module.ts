import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { TObject, Static } from '@sinclair/typebox';
import { topicsFromEnv } from '@keypool/contracts';
import { ApiKeyRegistry } from './auth/api-keys';
import { API_KEY_REGISTRY, ApiKeyGuard } from './auth/api-key.guard';
import { validateEnv } from './config/validate-env';
import { HealthController } from './health/health.controller';
import { ReadinessRegistry } from './health/readiness';
import { JsonErrorFilter } from './http/error.filter';
import { ServiceLoggers, loggerParams } from './logging/logger';
import { Metrics, MetricsController } from './metrics/metrics';
import { SecretBox } from './crypto/secret-box';

/** The validated settings of the running service (typed by the service's own schema). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const SERVICE_NAME = Symbol('SERVICE_NAME');
/** Topic names (defaults from the contract, each overridable by its TOPIC_* variable). */
export const TOPICS = Symbol('TOPICS');

export interface PlatformOptions<S extends TObject> {
  serviceName: string;
  envSchema: S;
  env?: Record<string, string | undefined>;
}

/** Config, logging, auth, errors, health and metrics: the same in every keypool service. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot<S extends TObject>(options: PlatformOptions<S>): DynamicModule {
    const env = options.env ?? process.env;
    const config = validateEnv(options.envSchema, env) as Static<S> & {
      LOG_LEVEL: string;
      API_KEYS: string;
      DATA_ENCRYPTION_KEYS: string;
      DATA_ENCRYPTION_ACTIVE_KEY?: string;
    };
    return {
      module: PlatformModule,
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, isGlobal: true, load: [() => config] }),
        LoggerModule.forRoot(loggerParams(options.serviceName, config.LOG_LEVEL)),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: SERVICE_NAME, useValue: options.serviceName },
        { provide: ServiceLoggers, useValue: new ServiceLoggers(options.serviceName, config.LOG_LEVEL) },
        { provide: TOPICS, useValue: topicsFromEnv(env) },
        { provide: API_KEY_REGISTRY, useValue: ApiKeyRegistry.parse(config.API_KEYS) },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: JsonErrorFilter },
        { provide: SecretBox, useValue: SecretBox.fromSpec(config.DATA_ENCRYPTION_KEYS, config.DATA_ENCRYPTION_ACTIVE_KEY) },
        ReadinessRegistry,
        Metrics,
      ],
      exports: [SERVICE_CONFIG, SERVICE_NAME, TOPICS, ServiceLoggers, ReadinessRegistry, Metrics, API_KEY_REGISTRY, SecretBox],
    };
  }
}
