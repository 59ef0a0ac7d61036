import { BeforeApplicationShutdown, DynamicModule, Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { Topics } from '@keypool/contracts';
import { Metrics, ReadinessRegistry, SERVICE_CONFIG, SERVICE_NAME, SecretBox, ServiceLoggers, TOPICS } from '@keypool/platform';
import { Messaging } from '../messaging';
import { kafkaConnection } from '../kafka/kafka-client';
import type { KafkaSecurityEnv } from '../kafka/kafka-security';
import { RetentionPruner } from '../retention/retention-pruner';
import { RetentionEnv, messagingRetentionTables, prunerSchedule } from '../retention/retention-settings';
import type { RetentionTable } from '../retention/retention-table';

export interface MessagingModuleOptions {
  /** Topics the service publishes to and consumes from, given its validated settings. */
  topics(topics: Topics): { produces: string[]; consumes: string[] };
  /**
   * Defaults to exiting the process, so the orchestrator restarts a service whose consumer died
   * of something no retry repairs; a database or broker that is away never leads here.
   */
  onFatal?: (error: unknown) => void;
  /** The service's own tables with a retention, given its validated settings (inbox and outbox come on top). */
  retention?(config: MessagingConfig): RetentionTable[];
}

export interface MessagingConfig extends KafkaSecurityEnv, RetentionEnv {
  KAFKA_BROKERS: string;
  KAFKA_CLIENT_ID?: string;
  KAFKA_TOPIC_PARTITIONS: number;
  KAFKA_REPLICATION_FACTOR: number;
  CONSUMER_MAX_ATTEMPTS: number;
  CONSUMER_RETRY_BASE_MS: number;
  CONSUMER_TRANSIENT_MAX_DELAY_MS?: number;
  KAFKA_STARTUP_WAIT_MS?: number;
  OUTBOX_SWEEP_MS: number;
  LOG_LEVEL: string;
  [key: string]: unknown;
}

const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

@Injectable()
class MessagingLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    private readonly messaging: Messaging,
    private readonly pruner: RetentionPruner,
    private readonly readiness: ReadinessRegistry,
    @Inject(SERVICE_CONFIG) private readonly config: MessagingConfig,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.messaging.start(this.options.topics(this.topics).consumes);
    // The `database` probe is ServiceDatabaseModule's; these are the broker's and the consumers'.
    this.messaging.readinessProbes().forEach((probe) => this.readiness.register(probe));
    this.pruner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pruner.stop();
    await this.messaging.stop();
  }
}

/** Wires the Messaging port into a Nest service: started before consumers, stopped before the database. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: Messaging,
          inject: [SERVICE_CONFIG, SERVICE_NAME, DataSource, SecretBox, Metrics, TOPICS, ServiceLoggers],
          useFactory: (
            config: MessagingConfig,
            serviceName: string,
            dataSource: DataSource,
            cipher: SecretBox,
            metrics: Metrics,
            topics: Topics,
            loggers: ServiceLoggers,
          ) => {
            const logger = loggers.forComponent('messaging');
            // TLS and SASL go under `security`, where createKafka reads them: spread at the top
            // they were dropped, and the services spoke PLAINTEXT to a SASL_SSL broker.
            const { brokers, clientId, ...security } = kafkaConnection(config, config.KAFKA_CLIENT_ID ?? serviceName);
            return new Messaging({
              serviceName,
              kafka: {
                brokers,
                clientId,
                security,
                partitions: config.KAFKA_TOPIC_PARTITIONS,
                replicationFactor: config.KAFKA_REPLICATION_FACTOR,
              },
              dataSource,
              cipher,
              logger,
              metrics,
              retry: {
                maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
                baseDelayMs: config.CONSUMER_RETRY_BASE_MS,
                maxDelayMs: 5000,
                transientMaxDelayMs: config.CONSUMER_TRANSIENT_MAX_DELAY_MS,
              },
              outbox: { sweepMs: config.OUTBOX_SWEEP_MS, batchSize: 500 },
              producesTo: options.topics(topics).produces,
              onFatal: options.onFatal ?? exitForRestart(logger),
              startupWaitMs: config.KAFKA_STARTUP_WAIT_MS,
            });
          },
        },
        {
          provide: RetentionPruner,
          inject: [SERVICE_CONFIG, SERVICE_NAME, DataSource, Metrics, ServiceLoggers],
          useFactory: (config: MessagingConfig, serviceName: string, dataSource: DataSource, metrics: Metrics, loggers: ServiceLoggers) =>
            new RetentionPruner(dataSource, loggers.forComponent('retention'), metrics, {
              tables: [...messagingRetentionTables(config), ...(options.retention?.(config) ?? [])],
              ...prunerSchedule(config),
              lockId: createHash('sha256').update(`retention:${serviceName}`).digest().readInt32BE(0),
            }),
        },
        MessagingLifecycle,
      ],
      exports: [Messaging],
    };
  }
}

function exitForRestart(logger: Logger) {
  return (error: unknown) => {
    logger.fatal({ err: error }, 'a consumer died of an error no retry repairs; exiting so the service is restarted');
    setTimeout(() => process.exit(1), 200).unref();
  };
}
