import type { LicenseAllocatedData, PoolLowData } from '@keypool/contracts';
import { Messaging } from '@keypool/messaging';
import { SecretBox } from '@keypool/platform';
import { waitUntil } from '@keypool/testing';
import {
  PoolService,
  allocateDirectly,
  as,
  createPool,
  importKeys,
  keys,
  lineRequest,
  outboxEvents,
  query,
  startPoolService,
} from '../testing/pool-test-kit';

describe('allocating licenses to order lines', () => {
  let service: PoolService;
  let url: string;

  beforeAll(async () => {
    service = await startPoolService('pool_alloc');
    url = service.url;
  });
  afterAll(() => service?.close());

  const stockOf = async (poolId: string) => (await as(url, 'acme').get(`/v1/pools/${poolId}`)).body;
  const linesOf = (orderPrefix: string) =>
    query<{ order_id: string; status: string; pool_id: string | null; reason: string | null }>(
      service,
      `SELECT order_id, status, pool_id, reason FROM allocation WHERE order_id LIKE $1 ORDER BY seq`,
      [`${orderPrefix}%`],
    );

  it('never gives one license to two lines with four allocators racing over one pool', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_race' });
    await importKeys(url, 'acme', pool.id, keys('RACE', 1500));
    const requests = Array.from({ length: 2000 }, (_, i) => lineRequest({ orderId: `race_${i}`, productId: 'p_race' }));
    const workers = [0, 1, 2, 3].map(async (worker) => {
      const mine = requests.filter((_, i) => i % 4 === worker);
      for (let start = 0; start < mine.length; start += 25) await allocateDirectly(service, mine.slice(start, start + 25));
    });
    await Promise.all(workers);

    const allocated = (await outboxEvents<LicenseAllocatedData>(service, 'LicenseAllocated')).filter((e) => e.data.orderId.startsWith('race_'));
    const licenseIds = allocated.flatMap((e) => e.data.licenses.map((l) => l.licenseId));
    const values = allocated.flatMap((e) => e.data.licenses.map((l) => l.value));
    expect(allocated).toHaveLength(1500);
    expect(new Set(licenseIds).size).toBe(1500);
    expect(new Set(values).size).toBe(1500);
    expect(new Set(allocated.map((e) => e.data.orderId)).size).toBe(1500);
    const lines = await linesOf('race_');
    expect(lines.filter((l) => l.status === 'awaiting_stock')).toHaveLength(500);
    expect(await stockOf(pool.id)).toMatchObject({ available: 0, allocated: 1500, backordered: 500 });
    // The running totals agree with the rows they summarise.
    const [counted] = await query<{ allocated: number }>(service, `SELECT count(*)::int AS allocated FROM license WHERE pool_id = $1 AND status = 'allocated'`, [pool.id]);
    expect(counted.allocated).toBe(1500);
    const metrics = (await as(url, 'support').get('/metrics').expect(200)).text;
    expect(metrics).toMatch(new RegExp(`keypool_pool_licenses\\{pool_id="${pool.id}",merchant_id="m_acme",mode="live",status="allocated"\\} 1500`));
    expect(metrics).toMatch(/keypool_pool_order_lines\{status="awaiting_stock"\} 500\n/);
  });

  it('refuses to withdraw an allocated license, naming its order line, and leaves the totals alone', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_sold' });
    await importKeys(url, 'acme', pool.id, keys('SOLD', 1));
    await allocateDirectly(service, [lineRequest({ orderId: 'sold_1', productId: 'p_sold' })]);
    const [license] = (await as(url, 'acme').get(`/v1/pools/${pool.id}/licenses`).expect(200)).body.items;
    expect(license).toMatchObject({ status: 'allocated', orderId: 'sold_1', lineId: '1' });
    const refused = await as(url, 'acme').delete(`/v1/pools/${pool.id}/licenses/${license.licenseId}`).expect(409);
    expect(refused.body.message).toBe('This license was allocated to order sold_1 line 1; allocated licenses cannot be withdrawn');
    expect(await stockOf(pool.id)).toMatchObject({ available: 0, allocated: 1, withdrawn: 0 });
  });

  it('answers a repeated request with the same event and the same licenses, never new ones', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_repeat' });
    await importKeys(url, 'acme', pool.id, keys('REPEAT', 4));
    const request = lineRequest({ orderId: 'repeat_1', productId: 'p_repeat', licenseCount: 2 });
    await allocateDirectly(service, [request]);
    await service.app.get(Messaging).relay.drain();
    await allocateDirectly(service, [request]);
    await allocateDirectly(service, [request]);
    const events = (await outboxEvents<LicenseAllocatedData>(service, 'LicenseAllocated')).filter((e) => e.data.orderId === 'repeat_1');
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
    expect(events.every((e) => JSON.stringify(e.data.licenses) === JSON.stringify(events[0].data.licenses))).toBe(true);
    expect(await stockOf(pool.id)).toMatchObject({ available: 2, allocated: 2 });
  });

  it('routes to the most specific pool, and test orders to test pools only', async () => {
    const common = await createPool(url, 'acme', {});
    const product = await createPool(url, 'acme', { productId: 'p_route' });
    const productEur = await createPool(url, 'acme', { productId: 'p_route', currency: 'EUR' });
    const testProduct = await createPool(url, 'acme', { productId: 'p_route', mode: 'test' });
    for (const [pool, prefix] of [[common, 'COMMON'], [product, 'PRODUCT'], [productEur, 'EUR'], [testProduct, 'TEST']] as const) {
      await importKeys(url, 'acme', pool.id, keys(`ROUTE-${prefix}`, 3));
    }
    await allocateDirectly(service, [
      lineRequest({ orderId: 'route_eur', productId: 'p_route', currency: 'EUR' }),
      lineRequest({ orderId: 'route_usd', productId: 'p_route', currency: 'USD' }),
      lineRequest({ orderId: 'route_other', productId: 'p_route_other', currency: 'EUR' }),
      lineRequest({ orderId: 'route_test', productId: 'p_route', currency: 'EUR', test: true }),
      lineRequest({ orderId: 'route_test_other', productId: 'p_route_other', currency: 'EUR', test: true }),
    ]);
    const byOrder = new Map((await linesOf('route_')).map((l) => [l.order_id, l]));
    expect(byOrder.get('route_eur')).toMatchObject({ status: 'allocated', pool_id: productEur.id });
    expect(byOrder.get('route_usd')).toMatchObject({ status: 'allocated', pool_id: product.id });
    expect(byOrder.get('route_other')).toMatchObject({ status: 'allocated', pool_id: common.id });
    expect(byOrder.get('route_test')).toMatchObject({ status: 'allocated', pool_id: testProduct.id });
    expect(byOrder.get('route_test_other')).toMatchObject({ status: 'unroutable', pool_id: null });
    expect(byOrder.get('route_test_other')?.reason).toContain('No test pool serves product p_route_other in EUR');
    const archived = await as(url, 'acme').post(`/v1/pools/${productEur.id}/archive`).expect(200);
    expect(archived.body.archived).toBe(true);
    await allocateDirectly(service, [lineRequest({ orderId: 'route_after_archive', productId: 'p_route', currency: 'EUR' })]);
    expect((await linesOf('route_after_archive'))[0]).toMatchObject({ status: 'allocated', pool_id: product.id });
  });

  it('serves held lines oldest first: a later small line never jumps ahead of an earlier big one', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_fifo' });
    await allocateDirectly(service, [lineRequest({ orderId: 'fifo_1_big', productId: 'p_fifo', licenseCount: 3 })]);
    await allocateDirectly(service, [lineRequest({ orderId: 'fifo_2_small', productId: 'p_fifo', licenseCount: 1 })]);
    await importKeys(url, 'acme', pool.id, keys('FIFO-A', 2));
    expect((await linesOf('fifo_')).map((l) => l.status)).toEqual(['awaiting_stock', 'awaiting_stock']);
    await importKeys(url, 'acme', pool.id, keys('FIFO-B', 1));
    expect((await linesOf('fifo_')).map((l) => l.status)).toEqual(['allocated', 'awaiting_stock']);
    await importKeys(url, 'acme', pool.id, keys('FIFO-C', 1));
    expect((await linesOf('fifo_')).map((l) => l.status)).toEqual(['allocated', 'allocated']);
    const held = await as(url, 'acme').get('/v1/held-lines').expect(200);
    expect(held.body.items.map((l: { orderId: string }) => l.orderId)).not.toContain('fifo_2_small');
  });

  it('lists held lines with their reason, to their merchant only', async () => {
    await allocateDirectly(service, [lineRequest({ orderId: 'held_unroutable', productId: 'p_nowhere', merchantId: 'm_globex' })]);
    const globex = await as(url, 'globex').get('/v1/held-lines?status=unroutable').expect(200);
    expect(globex.body.items).toEqual([
      expect.objectContaining({ orderId: 'held_unroutable', status: 'unroutable', reason: expect.stringContaining('No live pool serves product p_nowhere') }),
    ]);
    const acme = await as(url, 'acme').get('/v1/held-lines').expect(200);
    expect(acme.body.items.map((l: { orderId: string }) => l.orderId)).not.toContain('held_unroutable');
  });

  it('raises PoolLow once per crossing and once per emptying, re-armed after an import', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_low', threshold: 3 });
    await importKeys(url, 'acme', pool.id, keys('LOW-A', 5));
    const take = (n: number, tag: string) =>
      allocateDirectly(
        service,
        Array.from({ length: n }, (_, i) => lineRequest({ orderId: `low_${tag}_${i}`, productId: 'p_low' })),
      );
    const alerts = async () =>
      (await outboxEvents<PoolLowData>(service, 'PoolLow')).filter((e) => e.data.poolId === pool.id).map((e) => e.data);
    for (let i = 0; i < 5; i++) await take(1, `a${i}`);
    expect(await alerts()).toEqual([
      expect.objectContaining({ level: 'low', available: 2, threshold: 3, backordered: 0, productId: 'p_low', currency: null }),
      expect.objectContaining({ level: 'empty', available: 0, backordered: 0 }),
    ]);
    await take(1, 'held');
    expect(await alerts()).toHaveLength(2);
    await importKeys(url, 'acme', pool.id, keys('LOW-B', 6));
    expect(await stockOf(pool.id)).toMatchObject({ available: 5, backordered: 0 });
    expect(await alerts()).toHaveLength(2);
    await take(3, 'b');
    expect((await alerts()).slice(2)).toEqual([expect.objectContaining({ level: 'low', available: 2 })]);
  });

  it('raises empty with the backorder count when a line is held for want of stock', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_short', threshold: 0 });
    await importKeys(url, 'acme', pool.id, keys('SHORT', 2));
    await allocateDirectly(service, [lineRequest({ orderId: 'short_1', productId: 'p_short', licenseCount: 3 })]);
    const alerts = (await outboxEvents<PoolLowData>(service, 'PoolLow')).filter((e) => e.data.poolId === pool.id);
    expect(alerts.map((e) => e.data)).toEqual([expect.objectContaining({ level: 'empty', available: 2, backordered: 1 })]);
    expect((await linesOf('short_'))[0]).toMatchObject({ status: 'awaiting_stock' });
    expect(await stockOf(pool.id)).toMatchObject({ available: 2, allocated: 0 });
  });

  it('serves an unroutable line once a matching pool is created, oldest first', async () => {
    // Globex has no common pool, so nothing routes its p_late lines yet.
    await allocateDirectly(service, [lineRequest({ orderId: 'late_1', productId: 'p_late', merchantId: 'm_globex' })]);
    await allocateDirectly(service, [lineRequest({ orderId: 'late_2', productId: 'p_late', merchantId: 'm_globex' })]);
    expect((await linesOf('late_')).map((l) => l.status)).toEqual(['unroutable', 'unroutable']);
    const pool = await createPool(url, 'globex', { productId: 'p_late' });
    expect((await linesOf('late_')).map((l) => l.status)).toEqual(['awaiting_stock', 'awaiting_stock']);
    await importKeys(url, 'globex', pool.id, keys('LATE', 1));
    expect((await linesOf('late_')).map((l) => l.status)).toEqual(['allocated', 'awaiting_stock']);
  });
});

describe('the held-line sweep', () => {
  let service: PoolService;

  beforeAll(async () => {
    service = await startPoolService('pool_sweep', { HELD_LINE_SWEEP_MS: '100' });
  });
  afterAll(() => service?.close());

  it('serves held lines whose pool gained stock without the import serving them', async () => {
    const pool = await createPool(service.url, 'acme', { productId: 'p_sweep' });
    await allocateDirectly(service, [lineRequest({ orderId: 'sweep_1', productId: 'p_sweep' })]);
    // As if an instance stopped between committing an import and serving the pool.
    const [license] = await query<{ id: string }>(service, `SELECT id FROM license WHERE pool_id = $1`, [pool.id]);
    expect(license).toBeUndefined();
    const sealed = service.app.get(SecretBox).encrypt('SWEEP-KEY-0001');
    await query(service, `INSERT INTO license (pool_id, merchant_id, value_hash, value) VALUES ($1, 'm_acme', '\\x01', $2)`, [pool.id, sealed]);
    await waitUntil(
      async () => (await query(service, `SELECT 1 FROM allocation WHERE order_id = 'sweep_1' AND status = 'allocated'`)).length === 1,
      10000,
      'the sweep to serve sweep_1',
    );
  });
});
