import { Injectable } from '@nestjs/common';
import type { Static } from '@sinclair/typebox';
import { DataSource } from 'typeorm';
import { type Caller, type Result, succeed, visibleTo } from '@keypool/platform';
import type { PoolView } from './pool-view';
import { findPool } from './pools.handler';
import type { PoolConsumptionSchema } from './pools.schemas';

export type PoolConsumptionView = Static<typeof PoolConsumptionSchema>;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The rate behind "runs out in about N days": licenses allocated over the last 7 days (or the pool's life, if shorter). */
const RATE_WINDOW_MS = 7 * DAY_MS;

/**
 * How fast a pool's stock goes, counted from the licenses' own allocated_at. Read-only; the same
 * visibility as the pool (another merchant's is not found).
 */
@Injectable()
export class ReadPoolConsumption {
  constructor(private readonly dataSource: DataSource) {}

  async read(caller: Caller, poolId: string, now = Date.now()): Promise<Result<PoolConsumptionView, 'not_found'>> {
    const pool = visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
    return pool.ok ? succeed(await this.of(pool.value, now)) : pool;
  }

  private async of(pool: PoolView, now = Date.now()): Promise<PoolConsumptionView> {
    const firstHour = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
    const firstDay = Math.floor(now / DAY_MS) * DAY_MS - 29 * DAY_MS;
    const rateFrom = Math.min(now - HOUR_MS, Math.max(now - RATE_WINDOW_MS, Date.parse(pool.createdAt)));
    // One pass over the pool's licenses allocated in the last 30 days: a range of license_allocated_by_pool.
    const rows: { hour: Date; allocated: number }[] = await this.dataSource.query(
      `SELECT date_trunc('hour', allocated_at) AS hour, count(*)::int AS allocated
         FROM license
        WHERE pool_id = $1 AND allocated_at IS NOT NULL AND allocated_at >= $2
        GROUP BY 1`,
      [pool.id, new Date(firstDay)],
    );
    const hourly = buckets(firstHour, 24, HOUR_MS);
    const daily = buckets(firstDay, 30, DAY_MS);
    for (const row of rows) {
      const at = row.hour.getTime();
      const hourIndex = Math.floor((at - firstHour) / HOUR_MS);
      if (hourIndex >= 0 && hourIndex < 24) hourly[hourIndex].allocated += row.allocated;
      const dayIndex = Math.floor((at - firstDay) / DAY_MS);
      if (dayIndex >= 0 && dayIndex < 30) daily[dayIndex].allocated += row.allocated;
    }
    const [{ recent }]: { recent: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS recent FROM license WHERE pool_id = $1 AND allocated_at IS NOT NULL AND allocated_at >= $2`,
      [pool.id, new Date(rateFrom)],
    );
    const ratePerDay = recent / ((now - rateFrom) / DAY_MS);
    return {
      poolId: pool.id,
      available: pool.available,
      threshold: pool.threshold,
      hourly: hourly.map(({ start, allocated }) => ({ start: new Date(start).toISOString(), allocated })),
      daily: daily.map(({ start, allocated }) => ({ start: new Date(start).toISOString(), allocated })),
      ratePerDay: Math.round(ratePerDay * 100) / 100,
      runsOutInDays: ratePerDay > 0 ? Math.floor(pool.available / ratePerDay) : null,
    };
  }
}

function buckets(first: number, count: number, size: number): { start: number; allocated: number }[] {
  return Array.from({ length: count }, (_, i) => ({ start: first + i * size, allocated: 0 }));
}
