import { DataSource } from 'typeorm';
import { Metrics, validateEnv } from '@keypool/platform';
import { RetentionPruner, messagingRetentionTables } from '@keypool/messaging';
import { TestDatabase, freshDatabase, testLogger, testServiceEnv } from '@keypool/testing';
import { fulfillmentEnvSchema } from '../config';
import { fulfillmentMigrations } from '../migrations';
import { fulfillmentRetention } from './fulfillment-retention';

describe('order-fulfillment retention on its real schema (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await freshDatabase('fulfillment_retention');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: fulfillmentMigrations, migrationsRun: true });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('prunes old timelines, reveal entries, inbox and outbox rows with the default settings, and keeps orders, lines and licenses', async () => {
    // An order paid three years ago, with its line and license, and a timeline from then and from last week.
    await dataSource.query(`
      INSERT INTO orders (order_id, merchant_id, order_paid_event_id, currency, paid_at, test, customer, status, received_at)
      VALUES ('o-old', 'm_acme', 'e-old', 'EUR', now() - interval '3 years', false, '{"email":"ann@example.com"}', 'fulfilled', now() - interval '3 years')`);
    await dataSource.query(`
      INSERT INTO order_lines (order_id, line_id, position, product_id, item, delivery_rule, license_count, status, status_at)
      VALUES ('o-old', '1', 0, 'p_editor', '{}', 'per_unit', 1, 'delivered', now() - interval '3 years')`);
    await dataSource.query(`INSERT INTO line_licenses (order_id, line_id, position, license_id, value_sealed) VALUES ('o-old', '1', 0, 'lic-1', '\\x00')`);
    for (const [age, n] of [
      ['400 days', 50],
      ['7 days', 5],
    ] as const) {
      await dataSource.query(
        `INSERT INTO status_history (order_id, line_id, status, at) SELECT 'o-old', '1', 'delivered', now() - $1::interval FROM generate_series(1, $2)`,
        [age, n],
      );
      await dataSource.query(
        `INSERT INTO email_history (order_id, line_id, kind, event_id, resend, at)
         SELECT 'o-old', '1', 'sent', 'mail-' || g, false, now() - $1::interval FROM generate_series(1, $2) g`,
        [age, n],
      );
    }
    await dataSource.query(`
      INSERT INTO reveal_audit (at, key_id, caller_kind, merchant_id, subject, license_ids, reason)
      SELECT now() - interval '1 day' * d, 'k', 'support', 'm_acme', '{}', '{}', 'ticket 4711: key lost' FROM unnest(ARRAY[800, 700]) d`);
    await dataSource.query(
      `INSERT INTO inbox (consumer, event_id, received_at) VALUES ('c', 'old', now() - interval '15 days'), ('c', 'young', now() - interval '13 days')`,
    );
    // Refunds: one applied to o-old three years ago (the order's record), one whose order never came
    // (100 days, past the default 90), one waiting for its order since last month.
    await dataSource.query(`
      INSERT INTO order_refunds (event_id, order_id, merchant_id, line_ids, reason, refunded_at, received_at, applied_at, outcome)
      VALUES ('r-applied', 'o-old', 'm_acme', NULL, 'customer_request', now() - interval '3 years', now() - interval '3 years', now() - interval '3 years', 'applied to 1 line(s); order refunded'),
             ('r-orphan', 'o-never', 'm_acme', NULL, 'customer_request', now() - interval '100 days', now() - interval '100 days', NULL, NULL),
             ('r-waiting', 'o-later', 'm_acme', '{1}', 'customer_request', now() - interval '30 days', now() - interval '30 days', NULL, NULL)`);
    const config = validateEnv(fulfillmentEnvSchema, testServiceEnv(db.url));
    const pruner = new RetentionPruner(dataSource, testLogger(), new Metrics(), {
      tables: [...messagingRetentionTables(config), ...fulfillmentRetention(config)],
      intervalMs: 60000,
      batchSize: 20,
      pauseMs: 0,
      lockId: 1,
    });

    const run = await pruner.runOnce();

    expect(run).toMatchObject({
      ran: true,
      skipped: {},
      pruned: { inbox: 1, outbox: 0, status_history: 50, email_history: 50, reveal_audit: 1, order_refunds: 1 },
    });
    const counts = await dataSource.query(`
      SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM order_lines)::int AS lines,
             (SELECT count(*) FROM line_licenses)::int AS licenses, (SELECT count(*) FROM status_history)::int AS status,
             (SELECT count(*) FROM email_history)::int AS emails, (SELECT count(*) FROM reveal_audit)::int AS reveals`);
    expect(counts[0]).toEqual({ orders: 1, lines: 1, licenses: 1, status: 5, emails: 5, reveals: 1 });
    const refunds = await dataSource.query(`SELECT event_id FROM order_refunds ORDER BY event_id`);
    expect(refunds.map((r: { event_id: string }) => r.event_id)).toEqual(['r-applied', 'r-waiting']);
  });

  it('refuses a pending-refund retention shorter than the inbox, whose ids it de-duplicates too', () => {
    const config = validateEnv(fulfillmentEnvSchema, { ...testServiceEnv(db.url), INBOX_RETENTION_DAYS: '30', PENDING_REFUND_RETENTION_DAYS: '20' });
    expect(() => fulfillmentRetention(config)).toThrow(/PENDING_REFUND_RETENTION_DAYS \(20\) must be >= INBOX_RETENTION_DAYS \(30\)/);
  });
});
