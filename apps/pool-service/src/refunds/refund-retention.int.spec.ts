import { DataSource } from 'typeorm';
import { Metrics, validateEnv } from '@keypool/platform';
import { RetentionPruner, messagingRetentionTables } from '@keypool/messaging';
import { TestDatabase, freshDatabase, testLogger, testServiceEnv } from '@keypool/testing';
import { poolEnvSchema } from '../config';
import { poolMigrations } from '../migrations';
import { poolRetention } from './refund-retention';

describe('pool-service retention on its real schema (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await freshDatabase('pool_retention');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: poolMigrations, migrationsRun: true });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('prunes refunded lines older than REFUNDED_LINE_RETENTION_DAYS (default 90) and keeps younger ones', async () => {
    await dataSource.query(`
      INSERT INTO refunded_line (order_id, line_id, merchant_id, emailed, reason, refunded_at, received_at, outcome)
      SELECT 'o-' || age, '1', 'm_acme', true, 'customer_request', now() - interval '1 day' * age, now() - interval '1 day' * age, 'revoked'
        FROM unnest(ARRAY[400, 91, 89, 1]) age`);
    const config = validateEnv(poolEnvSchema, testServiceEnv(db.url));
    const pruner = new RetentionPruner(dataSource, testLogger(), new Metrics(), {
      tables: [...messagingRetentionTables(config), ...poolRetention(config)],
      intervalMs: 60000,
      batchSize: 1,
      pauseMs: 0,
      lockId: 1,
    });

    const run = await pruner.runOnce();

    expect(run).toMatchObject({ ran: true, skipped: {}, pruned: { refunded_line: 2, reveal_audit: 0 } });
    const left = await dataSource.query(`SELECT order_id FROM refunded_line ORDER BY order_id`);
    expect(left.map((r: { order_id: string }) => r.order_id)).toEqual(['o-1', 'o-89']);
  });

  it('refuses a refunded-line retention shorter than the inbox, whose ids it de-duplicates too', () => {
    const config = validateEnv(poolEnvSchema, { ...testServiceEnv(db.url), INBOX_RETENTION_DAYS: '30', REFUNDED_LINE_RETENTION_DAYS: '20' });
    expect(() => poolRetention(config)).toThrow(/REFUNDED_LINE_RETENTION_DAYS \(20\) must be >= INBOX_RETENTION_DAYS \(30\)/);
  });
});
