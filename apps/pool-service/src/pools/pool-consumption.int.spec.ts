import { DataSource } from 'typeorm';
import { uniqueName } from '@keypool/testing';
import { PoolService, allocateDirectly, as, createPool, importKeys, keys, lineRequest, startPoolService } from '../../test/pool-test-kit';

interface Consumption {
  poolId: string;
  available: number;
  threshold: number;
  hourly: { start: string; allocated: number }[];
  daily: { start: string; allocated: number }[];
  ratePerDay: number;
  runsOutInDays: number | null;
}

describe('GET /v1/pools/:poolId/consumption (real PostgreSQL)', () => {
  let service: PoolService;
  let poolId: string;

  beforeAll(async () => {
    service = await startPoolService('pool_consumption');
    const productId = uniqueName('p_cons');
    poolId = (await createPool(service.url, 'acme', { productId, threshold: 5 })).id;
    await importKeys(service.url, 'acme', poolId, keys(uniqueName('CONS'), 20));
    // 6 licenses allocated by the real allocator (3 lines of 2), then their times moved back:
    // 2 stay now, 2 go to 26 hours ago (yesterday's buckets, not the last 24 h), 2 to 40 days ago (in neither).
    await allocateDirectly(
      service,
      [1, 2, 3].map(() => lineRequest({ orderId: uniqueName('ord'), merchantId: 'm_acme', productId, licenseCount: 2 })),
    );
    const db = service.app.get(DataSource);
    const allocated: { id: string }[] = await db.query(`SELECT id FROM license WHERE pool_id = $1 AND status = 'allocated' ORDER BY seq`, [poolId]);
    expect(allocated).toHaveLength(6);
    await db.query(`UPDATE license SET allocated_at = now() - interval '26 hours' WHERE id = ANY($1)`, [allocated.slice(2, 4).map((l) => l.id)]);
    await db.query(`UPDATE license SET allocated_at = now() - interval '40 days' WHERE id = ANY($1)`, [allocated.slice(4, 6).map((l) => l.id)]);
    // The pool is older than the rate's 7-day window, so the rate is over 7 full days.
    await db.query(`UPDATE pool SET created_at = now() - interval '60 days' WHERE id = $1`, [poolId]);
  });
  afterAll(() => service?.close());

  it('counts allocations per hour and per day, and says when the stock runs out at the 7-day rate', async () => {
    const response = await as(service.url, 'acme').get(`/v1/pools/${poolId}/consumption`).expect(200);
    const body = response.body as Consumption;
    expect(body).toMatchObject({ poolId, available: 14, threshold: 5 });
    expect(body.hourly).toHaveLength(24);
    expect(body.daily).toHaveLength(30);
    expect(body.hourly.reduce((n, b) => n + b.allocated, 0)).toBe(2);
    expect(body.daily.reduce((n, b) => n + b.allocated, 0)).toBe(4);
    // Oldest first, one hour apart; the last day is today (UTC).
    expect(Date.parse(body.hourly[1].start) - Date.parse(body.hourly[0].start)).toBe(3_600_000);
    expect(body.daily[29].start.slice(0, 10)).toBe(new Date().toISOString().slice(0, 10));
    // 4 licenses in the last 7 days: 4/7 a day; 14 available last about 24 days.
    expect(body.ratePerDay).toBeCloseTo(4 / 7, 2);
    expect(body.runsOutInDays).toBe(24);
  });

  it('answers null for a pool nothing was taken from lately, and support sees any pool', async () => {
    const idle = (await createPool(service.url, 'acme', { productId: uniqueName('p_idle') })).id;
    const response = await as(service.url, 'support').get(`/v1/pools/${idle}/consumption`).expect(200);
    expect(response.body).toMatchObject({ poolId: idle, available: 0, ratePerDay: 0, runsOutInDays: null });
  });

  it("is 404 for another merchant's pool and for an id that is not one", async () => {
    const other = await as(service.url, 'globex').get(`/v1/pools/${poolId}/consumption`).expect(404);
    expect(other.body.message).toBe('Pool not found');
    await as(service.url, 'acme').get('/v1/pools/not-a-uuid/consumption').expect(404);
  });
  it('reads only the window through license_allocated_by_pool, not every license ever sold', async () => {
    const db = service.app.get(DataSource);
    const [{ allocation_id }]: { allocation_id: string }[] = await db.query(
      `SELECT allocation_id FROM license WHERE pool_id = $1 AND status = 'allocated' LIMIT 1`,
      [poolId],
    );
    // A year of history in this pool: 20,000 licenses sold before the 30-day window.
    await db.query(
      `INSERT INTO license (pool_id, merchant_id, value_hash, value, status, allocation_id, allocated_at)
       SELECT $1, 'm_acme', sha256(($2 || g)::bytea), '\\x00', 'allocated', $3, now() - interval '31 days' - g * interval '15 minutes'
         FROM generate_series(1, 20000) g`,
      [poolId, uniqueName('hist'), allocation_id],
    );
    await db.query('ANALYZE license');
    const plan = async (sql: string, params: unknown[]): Promise<string> =>
      (await db.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');
    for (const days of [30, 7]) {
      const text = await plan(
        `SELECT date_trunc('hour', allocated_at), count(*) FROM license WHERE pool_id = $1 AND allocated_at IS NOT NULL AND allocated_at >= $2 GROUP BY 1`,
        [poolId, new Date(Date.now() - days * 86_400_000)],
      );
      expect(text).toContain('license_allocated_by_pool');
      expect(text).not.toMatch(/Seq Scan on license/);
    }

    const body = (await as(service.url, 'acme').get(`/v1/pools/${poolId}/consumption`).expect(200)).body as Consumption;
    expect(body.daily.reduce((n, b) => n + b.allocated, 0)).toBe(4);
    expect(body.ratePerDay).toBeCloseTo(4 / 7, 2);
  });
});
