import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Metrics } from '@keypool/platform';
import { TestDatabase, freshDatabase } from '@keypool/testing';
import { fulfillmentMigrations } from '../migrations';
import { FulfillmentMetrics } from './fulfillment-metrics';
import { countOrderLines } from './order-line-counts';

const before = fulfillmentMigrations.slice(0, -1);

async function insertLines(q: { query: (sql: string, params?: unknown[]) => Promise<unknown> }, order: string, statuses: string[]): Promise<void> {
  await q.query(
    `INSERT INTO orders (order_id, merchant_id, order_paid_event_id, currency, paid_at, test, customer, status)
     VALUES ($1, 'm_acme', 'e-' || $1, 'EUR', now(), false, '{"email":"ann@example.com"}', 'received')`,
    [order],
  );
  await q.query(
    `INSERT INTO order_lines (order_id, line_id, position, product_id, item, delivery_rule, license_count, status)
     SELECT $1, s.n::text, s.n, 'p_editor', '{}', 'per_unit', 1, s.status FROM unnest($2::text[]) WITH ORDINALITY AS s(status, n)`,
    [order, statuses],
  );
}

describe('keypool_order_lines from running totals (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await freshDatabase('order_line_counts');
    // The lines that exist before the migration are its starting totals.
    const old = new DataSource({ type: 'postgres', url: db.url, migrations: before, migrationsRun: true });
    await old.initialize();
    await insertLines(old, 'o-history', ['delivered', 'delivered', 'delivered', 'email_failed', 'cancelled', 'awaiting_stock']);
    await old.destroy();
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: fulfillmentMigrations, migrationsRun: true, extra: { max: 3 } });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const actual = async (): Promise<Record<string, number>> => {
    const rows: { status: string; n: number }[] = await dataSource.query(`SELECT status, count(*)::int AS n FROM order_lines GROUP BY status`);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  };
  const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

  it('starts from the lines already there and follows inserts, status changes and deletes', async () => {
    expect(nonZero(await countOrderLines(dataSource.manager))).toEqual({ delivered: 3, email_failed: 1, cancelled: 1, awaiting_stock: 1 });

    await insertLines(dataSource, 'o-1', ['received', 'received', 'received']);
    await dataSource.query(`UPDATE order_lines SET status = 'allocated' WHERE order_id = 'o-1' AND line_id IN ('1', '2')`);
    await dataSource.query(`UPDATE order_lines SET status = 'delivered' WHERE order_id = 'o-1' AND line_id = '1'`);
    await dataSource.query(`UPDATE order_lines SET status_reason = 'unchanged status' WHERE order_id = 'o-1'`);
    await dataSource.query(`UPDATE order_lines SET status = 'delivered' WHERE order_id = 'o-history' AND status = 'email_failed'`);
    await dataSource.query(`DELETE FROM order_lines WHERE order_id = 'o-history' AND status = 'cancelled'`);

    expect(nonZero(await countOrderLines(dataSource.manager))).toEqual(await actual());
    expect(await actual()).toEqual({ delivered: 5, awaiting_stock: 1, received: 1, allocated: 1 });
  });

  it('does not count a change that rolled back', async () => {
    const was = await countOrderLines(dataSource.manager);
    await expect(
      dataSource.transaction(async (m) => {
        await m.query(`UPDATE order_lines SET status = 'cancelled' WHERE order_id = 'o-1'`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await countOrderLines(dataSource.manager)).toEqual(was);
  });

  it('lets two open transactions change lines of one status without waiting for each other', async () => {
    await insertLines(dataSource, 'o-2', ['received', 'received']);
    const [a, b] = [new Client({ connectionString: db.url }), new Client({ connectionString: db.url })];
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query('BEGIN');
      await a.query(`UPDATE order_lines SET status = 'allocated' WHERE order_id = 'o-2' AND line_id = '1'`);
      await b.query('BEGIN');
      // A counter row shared with a's open transaction would make b wait past this and fail.
      await b.query(`SET LOCAL lock_timeout = '2s'`);
      await b.query(`UPDATE order_lines SET status = 'allocated' WHERE order_id = 'o-2' AND line_id = '2'`);
      await Promise.all([a.query('COMMIT'), b.query('COMMIT')]);
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    expect(nonZero(await countOrderLines(dataSource.manager))).toEqual(await actual());
  });

  it('folds the totals of connections that ended into one row, keeping every figure', async () => {
    const ended = `SELECT count(*)::int AS n FROM order_line_counts c WHERE slot <> 0 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = c.slot)`;
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows as { pid: number }[];
    await client.query(`UPDATE order_lines SET status = 'delivered' WHERE order_id = 'o-1' AND line_id = '3'`);
    await client.end();
    // The backend leaves pg_stat_activity shortly after the client hangs up.
    while ((await dataSource.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [pid])).length > 0) await new Promise((r) => setTimeout(r, 20));
    expect((await dataSource.query(ended))[0].n).toBeGreaterThan(0);
    const totals = await actual();

    expect(nonZero(await countOrderLines(dataSource.manager))).toEqual(totals);
    expect((await dataSource.query(ended))[0].n).toBe(0);
    expect(nonZero(await countOrderLines(dataSource.manager))).toEqual(totals);
  });

  it('serves the totals as keypool_order_lines, zero for a status without lines, and clears them with a TRUNCATE', async () => {
    const metrics = new Metrics();
    new FulfillmentMetrics(metrics, dataSource);
    const scrape = await metrics.registry.metrics();
    expect(scrape).toContain('keypool_order_lines{status="delivered"} 6');
    expect(scrape).toContain('keypool_order_lines{status="allocated"} 3');
    expect(scrape).toContain('keypool_order_lines{status="unroutable"} 0');

    await dataSource.query(`TRUNCATE order_lines CASCADE`);
    expect(nonZero(await countOrderLines(dataSource.manager))).toEqual({});
  });
});
