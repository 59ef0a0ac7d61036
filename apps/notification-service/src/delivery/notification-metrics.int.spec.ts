import { DataSource } from 'typeorm';
import { Metrics } from '@keypool/platform';
import { TestDatabase, freshDatabase } from '@keypool/testing';
import { notificationMigrations } from '../migrations';
import { EMAIL_QUEUE_QUERY, registerEmailQueueGauges } from './notification-metrics';

describe('e-mail queue gauges read the queue, not the e-mails kept (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await freshDatabase('notification_queue_gauges');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: notificationMigrations, migrationsRun: true });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const insert = (status: string, attempts: number, n: number, prefix: string, age = '0 minutes') =>
    dataSource.query(
      `INSERT INTO email_sends (event_id, kind, merchant_id, order_id, line_id, product_id, recipient, status, attempts, created_at)
       SELECT $1 || g, 'license', 'm_acme', 'o' || g, '1', 'p_editor', 'ann@example.com', $2, $3, now() - $5::interval FROM generate_series(1, $4) g`,
      [prefix, status, attempts, n, age],
    );

  it('answers from the partial indexes of pending and sending e-mails, whatever the history', async () => {
    await insert('sent', 1, 20000, 'sent-');
    await insert('pending', 2, 2, 'retry-', '10 minutes');
    await insert('pending', 0, 1, 'new-');
    await insert('sending', 1, 1, 'lease-');
    await dataSource.query('ANALYZE email_sends');

    const plan: { 'QUERY PLAN': string }[] = await dataSource.query(`EXPLAIN (ANALYZE, COSTS OFF) ${EMAIL_QUEUE_QUERY}`);
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('email_sends_due');
    expect(text).toContain('email_sends_leased');
    expect(text).not.toMatch(/Seq Scan on email_sends|Rows Removed by Filter/);

    const metrics = new Metrics();
    registerEmailQueueGauges(metrics, dataSource);
    const scrape = await metrics.registry.metrics();
    expect(scrape).toContain('keypool_emails_waiting_retry 2');
    const oldest = Number(/^keypool_email_oldest_pending_seconds (\S+)$/m.exec(scrape)?.[1]);
    expect(oldest).toBeGreaterThanOrEqual(600);
    expect(oldest).toBeLessThan(3600);

    // The next scrape reads again: an e-mail that has since failed for good is no longer waiting.
    await dataSource.query(`UPDATE email_sends SET status = 'failed' WHERE event_id = 'retry-1'`);
    expect(await metrics.registry.metrics()).toContain('keypool_emails_waiting_retry 1');
  });
});
