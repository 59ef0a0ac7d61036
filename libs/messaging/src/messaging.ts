import { dlqTopic } from '@keypool/contracts';
import { createHash } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Metrics, ReadinessProbe, SecretBox } from '@keypool/platform';
import { ConsumerDefinition, ConsumerRunner } from './consumer/consumer-runner';
import { consumerMetrics } from './consumer/consumer-metrics';
import { type RetryPolicy, databaseDown, describeError, sleep } from '@keypool/platform';
import { classifyFailure } from './consumer/failure-class';
import { BrokerGauges, LagSource } from './kafka/broker-gauges';
import { PRODUCER_SETTINGS } from './kafka/kafka-client';
import { KafkaSettings, createKafka, ensureTopics } from './kafka/kafka-settings';
import { registerOutboxGauges } from './outbox/outbox-gauges';
import { OutboxRelay, OutboxRelayOptions } from './outbox/outbox-relay';
import { Transactions } from './transactions';

export interface MessagingOptions {
  serviceName: string;
  kafka: KafkaSettings;
  dataSource: DataSource;
  cipher: SecretBox;
  logger: Logger;
  metrics: Metrics;
  retry: RetryPolicy;
  outbox: Omit<OutboxRelayOptions, 'lockId'>;
  /** Topics this service produces to; consumed topics and their DLQs are added automatically. */
  producesTo: string[];
  /** For what no retry can repair (a broker refusing this client, say); a dependency that is away never gets here. */
  onFatal: (error: unknown) => void;
  /** How long start() and consume() wait for a broker that is away before giving up (default 10 min). */
  startupWaitMs?: number;
}

const STARTUP_BACKOFF_MAX_MS = 5000;

// A probe that hangs is a dependency that does not answer.
const PROBE_TIMEOUT_MS = 3000;

/**
 * The one door to Kafka for a service: transactions with an outbox, the relay, and consumers
 * with inbox, retries and dead letters. Plain TypeScript, so tests can run it without Nest.
 */
export class Messaging {
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly relay: OutboxRelay;
  readonly transactions: Transactions;
  private readonly runners: Pick<ConsumerRunner, 'name' | 'state' | 'waitingOn' | 'stop'>[] = [];
  private readonly lagSources: LagSource[] = [];
  private dlqTopics: string[] = [];
  /** keypool_consumer_lag and keypool_dlq_depth, read through the readiness probe's admin client. */
  private readonly brokerGauges: BrokerGauges;
  /** One metadata round trip per readiness check: the producer's own flag stays up while the broker is away. */
  private readonly brokerProbe: Admin;
  private producerConnected = false;
  private started = false;

  constructor(private readonly options: MessagingOptions) {
    this.kafka = createKafka(options.kafka, options.logger);
    // Idempotent producer with one request in flight: retries cannot duplicate or reorder.
    this.producer = this.kafka.producer({ ...PRODUCER_SETTINGS });
    this.producer.on(this.producer.events.CONNECT, () => (this.producerConnected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.producerConnected = false));
    this.brokerProbe = this.kafka.admin({ retry: { retries: 0 } });
    const lockId = createHash('sha256').update(`outbox:${options.serviceName}`).digest().readInt32BE(0);
    this.relay = new OutboxRelay(options.dataSource, this.producer, options.cipher, options.logger, { ...options.outbox, lockId }, this.kafka, options.metrics);
    this.transactions = new Transactions(options.dataSource, options.cipher, this.relay);
    registerOutboxGauges(options.metrics, options.dataSource);
    this.brokerGauges = new BrokerGauges(this.brokerProbe, () => ({ consumers: this.lagSources, dlqTopics: this.dlqTopics }));
    this.brokerGauges.register(options.metrics);
  }

  async start(consumedTopics: string[] = []): Promise<void> {
    const topics = [...this.options.producesTo, ...consumedTopics, ...consumedTopics.map(dlqTopic)];
    await this.whenBrokerAnswers('creating topics and connecting the producer', async () => {
      await ensureTopics(this.kafka, this.options.kafka, topics);
      await this.producer.connect();
      await this.brokerProbe.connect();
    });
    this.relay.start();
    this.dlqTopics = consumedTopics.map(dlqTopic);
    this.started = true;
  }

  /** Starts a consumer; its topics (and their DLQs) must have been named to start(). */
  async consume<D>(definition: ConsumerDefinition<D>): Promise<ConsumerRunner<D>> {
    if (!this.started) throw new Error('Messaging.start() must run before consumers start');
    const runner = new ConsumerRunner(
      {
        kafka: this.kafka,
        producer: this.producer,
        transactions: this.transactions,
        logger: this.options.logger.child({ consumer: definition.name }),
        retry: this.options.retry,
        metrics: consumerMetrics(this.options.metrics),
        dependencyDown: () => this.databaseDown(),
        onFatal: this.options.onFatal,
      },
      definition,
    );
    this.runners.push(runner);
    this.lagSources.push({ consumer: definition.name, groupId: definition.groupId, topics: definition.topics });
    await this.whenBrokerAnswers(`starting consumer ${definition.name}`, () => runner.start());
    return runner;
  }

  /**
   * A service (re)started while the broker is away waits for it instead of exiting, up to
   * `startupWaitMs`: a restart during a broker outage is routine. It says so at once, then at most
   * once a minute. A failure that is not transient (a refused login, a bad setting) fails at once.
   */
  private async whenBrokerAnswers(what: string, step: () => Promise<void>): Promise<void> {
    const started = Date.now();
    const deadline = started + (this.options.startupWaitMs ?? 600000);
    let lastLog = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await step();
        if (attempt > 1) this.options.logger.info({ what, waitedMs: Date.now() - started }, 'the broker answers again; going on');
        return;
      } catch (error) {
        if (classifyFailure(error) !== 'transient' || Date.now() >= deadline) throw error;
        if (Date.now() - lastLog >= 60000) {
          lastLog = Date.now();
          this.options.logger.warn({ what, reason: describeError(error), waitedMs: Date.now() - started }, 'the broker is away at start; waiting for it');
        }
        await sleep(Math.min(STARTUP_BACKOFF_MAX_MS, 100 * 2 ** Math.min(attempt, 6)));
      }
    }
  }

  /** Consumers first (finish and commit in-flight work), then the relay, then the producer. */
  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.relay.stop();
    await this.producer.disconnect();
    await this.brokerProbe.disconnect();
    this.started = false;
  }

  readinessProbes(): ReadinessProbe[] {
    return [
      {
        name: 'kafka-producer',
        check: async () => {
          if (!this.producerConnected) return { up: false, detail: 'producer not connected' };
          const away = await this.brokerAway();
          return { up: !away, detail: away };
        },
      },
      {
        name: 'kafka-consumers',
        check: () => {
          const bad = this.runners.filter((r) => r.state !== 'running');
          const detail = bad.map((r) => (r.state === 'waiting' ? `${r.name} waits on ${r.waitingOn}` : `${r.name} is ${r.state}`)).join('; ');
          return Promise.resolve({ up: bad.length === 0, detail });
        },
      },
    ];
  }

  /** Why the database does not answer `SELECT 1`, or undefined when it does. */
  async databaseDown(): Promise<string | undefined> {
    return databaseDown(this.options.dataSource, PROBE_TIMEOUT_MS);
  }

  private async brokerAway(): Promise<string | undefined> {
    return withinProbeTimeout(this.brokerProbe.fetchTopicMetadata({ topics: [] })).then(
      () => undefined,
      (error) => `kafka unreachable: ${describeError(error)}`,
    );
  }
}

function withinProbeTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
