import { DataSource } from 'typeorm';
import { Metrics } from '@keypool/platform';
import { TestDatabase, freshDatabase } from '@keypool/testing';
import { poolMigrations } from '../migrations';
import { PoolMetrics } from './pool-metrics';

describe('keypool_pool_order_lines reads the held lines only, not every refund (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await freshDatabase('pool_metrics_held');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: poolMigrations, migrationsRun: true });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  const insert = (status: string, n: number, prefix: string) =>
    dataSource.query(
      `INSERT INTO allocation (order_id, line_id, merchant_id, product_id, currency, test, license_count, status, request)
       SELECT $1 || g, '1', 'm_acme', 'p_editor', 'EUR', false, 1, $2, '\\x00' FROM generate_series(1, $3) g`,
      [prefix, status, n],
    );

  it('counts held lines through allocation_held_by_merchant, which no longer carries the cancelled allocations', async () => {
    // Years of refunds: cancelled allocations only grow; three lines wait for stock, one has no pool.
    await insert('cancelled', 20000, 'refunded-');
    await insert('awaiting_stock', 3, 'held-');
    await insert('unroutable', 1, 'lost-');
    await dataSource.query('ANALYZE allocation');

    const plan: { 'QUERY PLAN': string }[] = await dataSource.query(
      `EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*) FROM allocation WHERE status <> 'allocated' AND status <> 'cancelled'`,
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('allocation_held_by_merchant');
    expect(text).not.toMatch(/Seq Scan on allocation|Rows Removed by Filter/);

    const metrics = new Metrics();
    new PoolMetrics(metrics, dataSource).onModuleInit();
    const scrape = await metrics.registry.metrics();
    expect(scrape).toContain('keypool_pool_order_lines{status="awaiting_stock"} 3');
    expect(scrape).toContain('keypool_pool_order_lines{status="unroutable"} 1');
    expect(scrape).toContain('keypool_pool_order_lines{status="allocated"} 0');
  });
});
