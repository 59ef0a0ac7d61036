import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { Metrics, type SecretBox } from '@keypool/platform';
import { TEST_BROKERS, type TestDatabase, type TopicReader, freshDatabase, testLogger } from '@keypool/testing';
import { addOutboxParking, createMessagingTables } from '../src/migrations';
import { Decoded, EventDecoder } from '../src/consumer/inbound-event';
import type { RetryPolicy } from '@keypool/platform';
import { Messaging } from '../src/messaging';
import type { KafkaSecurity } from '../src/kafka/kafka-security';

class TestSchema1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await createMessagingTables(queryRunner);
    await addOutboxParking(queryRunner);
    await queryRunner.query('CREATE TABLE effects (id serial PRIMARY KEY, event_id text NOT NULL, note text)');
  }
  async down(): Promise<void> {
    /* test schema is dropped with its database */
  }
}

export async function openDataSource(url: string): Promise<DataSource> {
  const dataSource = new DataSource({ type: 'postgres', url, migrations: [TestSchema1700000000000], migrationsRun: true });
  await dataSource.initialize();
  return dataSource;
}

/** Accepts any JSON CloudEvents envelope; services plug in the contracts' validating decoder. */
export const jsonDecoder: EventDecoder = (_topic, value): Decoded => {
  try {
    const parsed = JSON.parse(value?.toString('utf8') ?? '');
    if (parsed?.specversion !== '1.0' || typeof parsed.id !== 'string') return { ok: false, reason: 'not a CloudEvents 1.0 envelope' };
    return { ok: true, envelope: parsed };
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
};

export interface TestMessagingOptions {
  brokers?: string[];
  metrics?: Metrics;
  retry?: Partial<RetryPolicy>;
  security?: KafkaSecurity;
}

export function testMessaging(
  dataSource: DataSource,
  cipher: SecretBox,
  producesTo: string[],
  onFatal: (error: unknown) => void = () => undefined,
  options: TestMessagingOptions = {},
): Messaging {
  return new Messaging({
    serviceName: `test-${Math.random()}`,
    kafka: { brokers: options.brokers ?? TEST_BROKERS, clientId: 'messaging-test', partitions: 3, replicationFactor: 1, security: options.security },
    dataSource,
    cipher,
    logger: testLogger(),
    metrics: options.metrics ?? new Metrics(),
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100, ...options.retry },
    outbox: { sweepMs: 200, batchSize: 100 },
    producesTo,
    onFatal,
  });
}

/** One spec's database and the Messaging instances and readers its tests start, stopped after each test. */
export interface MessagingTestBed {
  readonly db: TestDatabase;
  readonly dataSource: DataSource;
  readonly running: Messaging[];
  readonly readers: TopicReader[];
}

/** Registers the usual hooks: a fresh database with the messaging tables for the describe block, everything a test started stopped after it. */
export function messagingTestBed(name: string): MessagingTestBed {
  let db: TestDatabase | undefined;
  let dataSource: DataSource | undefined;
  const running: Messaging[] = [];
  const readers: TopicReader[] = [];
  beforeAll(async () => {
    db = await freshDatabase(name);
    dataSource = await openDataSource(db.url);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((m) => m.stop()));
    await Promise.all(readers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('the test bed opens its database in beforeAll');
      return db;
    },
    get dataSource() {
      if (!dataSource) throw new Error('the test bed opens its database in beforeAll');
      return dataSource;
    },
    running,
    readers,
  };
}
