import { DataSource } from 'typeorm';
import { ConfigurationError, Metrics, validateEnv } from '@keypool/platform';
import { RetentionPruner } from '@keypool/messaging';
import { TestDatabase, freshDatabase, testLogger, testServiceEnv } from '@keypool/testing';
import { notificationEnvSchema } from '../config';
import { notificationMigrations } from '../migrations';
import { emailRetention } from './email-retention';

describe('notification e-mail retention on its real schema (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const settings = (extra: Record<string, string> = {}) =>
    validateEnv(notificationEnvSchema, testServiceEnv(db.url, 't', { SENDGRID_API_KEY: 'SG.test', ...extra }));

  beforeAll(async () => {
    db = await freshDatabase('email_retention');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: notificationMigrations, migrationsRun: true });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('prunes e-mails whose outcome is final once old, never one still pending or sending', async () => {
    await dataSource.query(`
      INSERT INTO email_sends (event_id, kind, merchant_id, order_id, line_id, product_id, recipient, status, created_at, finished_at)
      SELECT 'e-' || g, 'license', 'm_acme', 'o-' || g, '1', 'p', 'ann@example.com', s.status, now() - s.age, CASE WHEN s.final THEN now() - s.age END
        FROM generate_series(1, 30) g
        JOIN (VALUES (0, 'sent', interval '100 days', true), (1, 'failed', interval '100 days', true), (2, 'pending', interval '100 days', false),
                     (3, 'sending', interval '100 days', false), (4, 'sent', interval '10 days', true)) AS s(k, status, age, final)
          ON g % 5 = s.k`);
    await dataSource.query(`
      INSERT INTO deliveries (event_id, kind, merchant_id, recipients, status, attempts, created_at)
      SELECT 'd-' || g, 'license', 'm_acme', '{ann@example.com}', 'sent', '[]', now() - interval '1 day' * (CASE WHEN g <= 8 THEN 95 ELSE 3 END)
        FROM generate_series(1, 10) g`);
    const pruner = new RetentionPruner(dataSource, testLogger(), new Metrics(), {
      tables: emailRetention(settings()),
      intervalMs: 60000,
      batchSize: 4,
      pauseMs: 0,
      lockId: 1,
    });

    const run = await pruner.runOnce();

    expect(run).toMatchObject({ ran: true, skipped: {}, pruned: { email_sends: 12, deliveries: 8 } });
    const left: { status: string; n: number }[] = await dataSource.query(`SELECT status, count(*)::int AS n FROM email_sends GROUP BY status ORDER BY status`);
    expect(left).toEqual([
      { status: 'pending', n: 6 },
      { status: 'sending', n: 6 },
      { status: 'sent', n: 6 },
    ]);
  });

  it('refuses an e-mail retention shorter than the inbox retention', () => {
    expect(() => emailRetention(settings({ INBOX_RETENTION_DAYS: '30', EMAIL_HISTORY_RETENTION_DAYS: '20' }))).toThrow(ConfigurationError);
  });
});
