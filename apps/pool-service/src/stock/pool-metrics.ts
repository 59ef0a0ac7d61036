import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Metrics } from '@keypool/platform';

/**
 * Stock and held-line gauges, read from the database at scrape time: exact whichever
 * instance is scraped, and right after a restart.
 */
@Injectable()
export class PoolMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    const dataSource = this.dataSource;
    this.metrics.gauge(
      'keypool_pool_licenses',
      'Licenses per pool by status (available, allocated, withdrawn)',
      ['pool_id', 'merchant_id', 'mode', 'status'],
      async function () {
        this.reset();
        // Stock is counted (partial index: proportional to what is in stock); sold and withdrawn
        // are the pools' running totals, so a scrape costs the same however much was ever sold.
        const rows: { pool_id: string; merchant_id: string; mode: string; available: number; allocated: string; withdrawn: string }[] = await dataSource.query(
          `SELECT p.id AS pool_id, p.merchant_id, p.mode, p.allocated_licenses AS allocated, p.withdrawn_licenses AS withdrawn,
                (SELECT count(*)::int FROM license l WHERE l.pool_id = p.id AND l.status = 'available') AS available
           FROM pool p WHERE p.archived_at IS NULL`,
        );
        for (const r of rows) {
          const labels = { pool_id: r.pool_id, merchant_id: r.merchant_id, mode: r.mode };
          this.set({ ...labels, status: 'available' }, r.available);
          this.set({ ...labels, status: 'allocated' }, Number(r.allocated));
          this.set({ ...labels, status: 'withdrawn' }, Number(r.withdrawn));
        }
      },
    );
    // Same labels as keypool_pool_licenses, so a rule can compare available with threshold as PoolLow does.
    this.metrics.gauge(
      'keypool_pool_threshold',
      'Stock level below which a pool warns with PoolLow (0: only when empty)',
      ['pool_id', 'merchant_id', 'mode'],
      async function () {
        this.reset();
        const rows: { pool_id: string; merchant_id: string; mode: string; threshold: number }[] = await dataSource.query(
          `SELECT id AS pool_id, merchant_id, mode, threshold FROM pool WHERE archived_at IS NULL`,
        );
        for (const r of rows) this.set({ pool_id: r.pool_id, merchant_id: r.merchant_id, mode: r.mode }, r.threshold);
      },
    );
    this.metrics.gauge('keypool_pool_order_lines', 'Order lines by status: allocated, awaiting_stock, unroutable', ['status'], async function () {
      this.reset();
      const [{ allocated, awaiting_stock, unroutable }]: { allocated: string; awaiting_stock: number; unroutable: number }[] = await dataSource.query(
        `SELECT (SELECT coalesce(sum(allocated_lines), 0) FROM pool) AS allocated,
                count(*) FILTER (WHERE status = 'awaiting_stock')::int AS awaiting_stock,
                count(*) FILTER (WHERE status = 'unroutable')::int AS unroutable
           FROM allocation WHERE status <> 'allocated' AND status <> 'cancelled'`,
      );
      this.set({ status: 'allocated' }, Number(allocated));
      this.set({ status: 'awaiting_stock' }, awaiting_stock);
      this.set({ status: 'unroutable' }, unroutable);
    });
  }
}
