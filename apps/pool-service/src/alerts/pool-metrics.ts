import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Metrics } from '@keypool/platform';

/**
 * Stock and held-line gauges, counted from the database at scrape time: exact whichever
 * instance is scraped, and right after a restart.
 */
@Injectable()
export class PoolMetrics implements OnModuleInit {
  constructor(private readonly metrics: Metrics, private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    const dataSource = this.dataSource;
    this.metrics.gauge('keypool_pool_licenses', 'Licenses per pool by status (available, allocated, withdrawn)', ['pool_id', 'merchant_id', 'mode', 'status'], async function () {
      this.reset();
      const rows: { pool_id: string; merchant_id: string; mode: string; status: string; n: number }[] = await dataSource.query(
        `SELECT p.id AS pool_id, p.merchant_id, p.mode, l.status, count(*)::int AS n
           FROM license l JOIN pool p ON p.id = l.pool_id WHERE p.archived_at IS NULL GROUP BY 1, 2, 3, 4`,
      );
      rows.forEach((r) => this.set({ pool_id: r.pool_id, merchant_id: r.merchant_id, mode: r.mode, status: r.status }, r.n));
    });
    this.metrics.gauge('keypool_pool_order_lines', 'Order lines by status: allocated, awaiting_stock, unroutable', ['status'], async function () {
      this.reset();
      for (const status of ['allocated', 'awaiting_stock', 'unroutable']) this.set({ status }, 0);
      const rows: { status: string; n: number }[] = await dataSource.query(`SELECT status, count(*)::int AS n FROM allocation GROUP BY status`);
      rows.forEach((r) => this.set({ status: r.status }, r.n));
    });
  }
}
