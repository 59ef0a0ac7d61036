import type { AllocationRequestedData, LicenseAllocatedData, PoolLowData } from '@keypool/contracts';
import { Messaging, Tx } from '@keypool/messaging';
import { SecretBox } from '@keypool/platform';
import { waitUntil } from '@keypool/testing';
import { AllocateLicensesHandler } from './allocate-licenses.handler';
import { licenseValueContext } from '../keys/sealed-columns';
import { PoolService, allocateDirectly, as, createPool, importKeys, keys, lineRequest, outboxEvents, query, startPoolService } from '../../test/pool-test-kit';

describe('allocating licenses to order lines', () => {
  let service: PoolService;
  let url: string;

  beforeAll(async () => {
    service = await startPoolService('pool_alloc');
    url = service.url;
  });
  afterAll(() => service?.close());

  const stockOf = async (poolId: string) => (await as(url, 'acme').get(`/v1/pools/${poolId}`)).body;
  const alertsOf = async (poolId: string) => (await outboxEvents<PoolLowData>(service, 'PoolLow')).filter((e) => e.data.poolId === poolId).map((e) => e.data);
  /** Lines of one license each, `count` of them from `from`, fifty per consumer chunk. */
  const allocateInChunks = async (orderPrefix: string, productId: string, from: number, count: number) => {
    for (let start = from; start < from + count; start += 50) {
      const chunk = Array.from({ length: Math.min(50, from + count - start) }, (_, i) => `${orderPrefix}_${String(start + i).padStart(5, '0')}`);
      await allocateDirectly(
        service,
        chunk.map((orderId) => lineRequest({ orderId, productId })),
      );
    }
  };
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
    const [counted] = await query<{ allocated: number }>(
      service,
      `SELECT count(*)::int AS allocated FROM license WHERE pool_id = $1 AND status = 'allocated'`,
      [pool.id],
    );
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

  it('stores each line of a round with its own event: lines served together are answered again with theirs', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_round' });
    await importKeys(url, 'acme', pool.id, keys('ROUND', 6));
    const requests = [1, 2, 3].map((n) => lineRequest({ orderId: `round_${n}`, productId: 'p_round', licenseCount: n }));
    await allocateDirectly(service, requests);
    await service.app.get(Messaging).relay.drain();
    await allocateDirectly(service, requests);
    const events = (await outboxEvents<LicenseAllocatedData>(service, 'LicenseAllocated')).filter((e) => e.data.orderId.startsWith('round_'));
    const stored = await query<{ order_id: string; event_id: string }>(service, `SELECT order_id, event_id FROM allocation WHERE order_id LIKE 'round_%'`, []);
    for (const { order_id, event_id } of stored) {
      const answers = events.filter((e) => e.data.orderId === order_id);
      // The repeat re-publishes the stored event, which opens only under its own line's id (sealed bound to it).
      expect(answers.length).toBeGreaterThanOrEqual(1);
      expect(answers.map((e) => e.id)).toEqual(answers.map(() => event_id));
      expect(answers.every((e) => e.data.licenses.length === Number(order_id.slice('round_'.length)))).toBe(true);
    }
    expect(stored).toHaveLength(3);
    expect(await stockOf(pool.id)).toMatchObject({ available: 0, allocated: 6 });
  });

  it('serves an older held line with a new one in the same round, each with its own request', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_mixed' });
    await allocateDirectly(service, [lineRequest({ orderId: 'mixed_old', productId: 'p_mixed', licenseCount: 2 })]);
    // Stock the import would have served at once: the next chunk's serve finds the older line waiting.
    const cipher = service.app.get(SecretBox);
    for (const n of [1, 2, 3]) {
      const [{ id }] = await query<{ id: string }>(service, `SELECT gen_random_uuid() AS id`);
      await query(service, `INSERT INTO license (id, pool_id, merchant_id, value_hash, value) VALUES ($1, $2, 'm_acme', $3, $4)`, [
        id,
        pool.id,
        Buffer.from(`mixed-${n}`),
        cipher.encrypt(`MIXED-KEY-${n}`, licenseValueContext(id)),
      ]);
    }
    await allocateDirectly(service, [lineRequest({ orderId: 'mixed_new', productId: 'p_mixed', licenseCount: 1 })]);
    expect((await linesOf('mixed_')).map((l) => [l.order_id, l.status])).toEqual([
      ['mixed_old', 'allocated'],
      ['mixed_new', 'allocated'],
    ]);
    const events = (await outboxEvents<LicenseAllocatedData>(service, 'LicenseAllocated')).filter((e) => e.data.orderId.startsWith('mixed_'));
    expect(events.map((e) => [e.data.orderId, e.data.licenses.length]).sort()).toEqual([
      ['mixed_new', 1],
      ['mixed_old', 2],
    ]);
  });

  it('routes to the most specific pool, and test orders to test pools only', async () => {
    const common = await createPool(url, 'acme', {});
    const product = await createPool(url, 'acme', { productId: 'p_route' });
    const productEur = await createPool(url, 'acme', { productId: 'p_route', currency: 'EUR' });
    const testProduct = await createPool(url, 'acme', { productId: 'p_route', mode: 'test' });
    for (const [pool, prefix] of [
      [common, 'COMMON'],
      [product, 'PRODUCT'],
      [productEur, 'EUR'],
      [testProduct, 'TEST'],
    ] as const) {
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

  it('serves held lines oldest first among the lines the stock can serve', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_fifo' });
    await allocateDirectly(service, [lineRequest({ orderId: 'fifo_1_big', productId: 'p_fifo', licenseCount: 3 })]);
    await allocateDirectly(service, [lineRequest({ orderId: 'fifo_2_small', productId: 'p_fifo', licenseCount: 1 })]);
    await allocateDirectly(service, [lineRequest({ orderId: 'fifo_3_small', productId: 'p_fifo', licenseCount: 1 })]);
    await importKeys(url, 'acme', pool.id, keys('FIFO-A', 1));
    expect((await linesOf('fifo_')).map((l) => l.status)).toEqual(['awaiting_stock', 'allocated', 'awaiting_stock']);
    await importKeys(url, 'acme', pool.id, keys('FIFO-B', 1));
    expect((await linesOf('fifo_')).map((l) => l.status)).toEqual(['awaiting_stock', 'allocated', 'allocated']);
    await importKeys(url, 'acme', pool.id, keys('FIFO-C', 3));
    expect((await linesOf('fifo_')).map((l) => l.status)).toEqual(['allocated', 'allocated', 'allocated']);
    const big = (await outboxEvents<LicenseAllocatedData>(service, 'LicenseAllocated')).find((e) => e.data.orderId === 'fifo_1_big')!;
    expect(big.data.licenses.map((l) => l.value)).toEqual(keys('FIFO-C', 3));
  });

  it('does not let a line the pool cannot serve yet block later lines: 1,000 held against 500, 1-unit lines served', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_hol', threshold: 10 });
    await importKeys(url, 'acme', pool.id, keys('HOL', 500));
    await allocateDirectly(service, [lineRequest({ orderId: 'hol_big', productId: 'p_hol', licenseCount: 1000 })]);
    await allocateInChunks('hol_small', 'p_hol', 0, 500);
    const lines = await linesOf('hol_');
    expect(lines[0]).toMatchObject({ order_id: 'hol_big', status: 'awaiting_stock' });
    expect(lines[0].reason).toContain('(500 available, the line needs 1000)');
    expect(lines.slice(1).every((l) => l.status === 'allocated')).toBe(true);
    expect(lines).toHaveLength(501);
    expect(await stockOf(pool.id)).toMatchObject({ available: 0, allocated: 500, backordered: 1 });
    // The true figures: low (a line waits) with all 500 still there, empty only once none are left.
    expect(await alertsOf(pool.id)).toEqual([
      expect.objectContaining({ level: 'low', available: 500, threshold: 10, backordered: 1 }),
      expect.objectContaining({ level: 'empty', available: 0, backordered: 1 }),
    ]);
  });

  it('serves the 300 lines behind four lines of a billion units, and never reports a pool with stock as empty', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_huge', threshold: 10 });
    await importKeys(url, 'acme', pool.id, keys('HUGE', 564));
    await allocateDirectly(
      service,
      [0, 1, 2, 3].map((i) => lineRequest({ orderId: `huge_${i}`, productId: 'p_huge', licenseCount: 1_000_000_000 })),
    );
    await allocateInChunks('huge_small', 'p_huge', 0, 300);
    const lines = await linesOf('huge_');
    expect(lines.filter((l) => l.status === 'allocated')).toHaveLength(300);
    expect(lines.slice(0, 4).map((l) => l.status)).toEqual(['awaiting_stock', 'awaiting_stock', 'awaiting_stock', 'awaiting_stock']);
    expect(lines[0].reason).toContain('more than one line can take (10000)');
    expect(await stockOf(pool.id)).toMatchObject({ available: 264, allocated: 300, backordered: 4 });
    expect(await alertsOf(pool.id)).toEqual([expect.objectContaining({ level: 'low', available: 564, backordered: 4 })]);
  });

  /**
   * Runs the allocator in its own transaction, counting its round trips (every query its
   * connection sends) and the rows of license and its indexes it read (the backend's pending
   * statistics, before and after: they may hold reads of earlier transactions on the
   * connection, never flushed mid-transaction).
   */
  const allocateRecorded = async (requests: AllocationRequestedData[]) => {
    const allocator = service.app.get(AllocateLicensesHandler);
    const licenseRowsRead = async (tx: Tx) => {
      const [{ n }] = await tx.manager.query<{ n: number }[]>(
        `SELECT sum(pg_stat_get_xact_tuples_returned(oid))::int AS n FROM pg_class
          WHERE oid = 'license'::regclass OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'license'::regclass)`,
      );
      return n;
    };
    let roundTrips = 0;
    const licenseRows = await service.app.get(Messaging).transactions.run(async (tx) => {
      const before = await licenseRowsRead(tx);
      const client = (await tx.manager.queryRunner!.connect()) as { query: () => unknown };
      const sent = jest.spyOn(client, 'query');
      await allocator.allocate(requests, tx).finally(() => ((roundTrips = sent.mock.calls.length), sent.mockRestore()));
      return (await licenseRowsRead(tx)) - before;
    });
    return { roundTrips, licenseRows };
  };

  it('counts and picks only the licenses it can use, whatever a held line asks for', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_bounded' });
    await importKeys(url, 'acme', pool.id, keys('BOUNDED', 2000));
    await allocateDirectly(service, [lineRequest({ orderId: 'bounded_huge', productId: 'p_bounded', licenseCount: 1_000_000_000 })]);
    const { licenseRows } = await allocateRecorded([lineRequest({ orderId: 'bounded_small', productId: 'p_bounded', licenseCount: 2 })]);
    expect((await linesOf('bounded_')).map((l) => l.status)).toEqual(['awaiting_stock', 'allocated']);
    // A count or pick over the pool would read 2,000: the 2 licenses are picked and taken, and the
    // count stops at what the line can use plus what the PoolLow check needs (threshold 0: 2).
    expect(licenseRows).toBeLessThanOrEqual(2 + 2 + 4);
  });

  it('serves lines their pool has stock for in three round trips: locks and lines with their pools locked, one read, one write', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_trips' });
    await importKeys(url, 'acme', pool.id, keys('TRIPS', 10));
    const { roundTrips } = await allocateRecorded([
      lineRequest({ orderId: 'trips_1', productId: 'p_trips', licenseCount: 2 }),
      lineRequest({ orderId: 'trips_2', productId: 'p_trips', licenseCount: 3 }),
    ]);
    expect((await linesOf('trips_')).map((l) => l.status)).toEqual(['allocated', 'allocated']);
    // With the transaction's BEGIN (sent with the inbox claim) and COMMIT (with the outbox), five for a consumer chunk.
    expect(roundTrips).toBe(3);
    expect(await stockOf(pool.id)).toMatchObject({ available: 5, allocated: 5, backordered: 0 });
  });

  it('keeps new stock for a big line once later lines took 1,000 licenses ahead of it, while small orders keep coming', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_starve' });
    const statusOf = async () => {
      const lines = await linesOf('starve_');
      return { big: lines[0].status, small: lines.slice(1).map((l) => l.status) };
    };
    await allocateDirectly(service, [lineRequest({ orderId: 'starve_big', productId: 'p_starve', licenseCount: 1000 })]);
    await importKeys(url, 'acme', pool.id, keys('STARVE-A', 600));
    await allocateInChunks('starve_small', 'p_starve', 0, 600);
    await importKeys(url, 'acme', pool.id, keys('STARVE-B', 600));
    await allocateInChunks('starve_small', 'p_starve', 600, 400);
    // Later lines have now taken 1,000 licenses ahead of it (HELD_LINE_RESERVE_AFTER): the
    // 200 left and everything imported from now on are kept for it.
    expect(await statusOf()).toEqual({ big: 'awaiting_stock', small: Array(1000).fill('allocated') });
    expect(await stockOf(pool.id)).toMatchObject({ available: 200 });
    await allocateInChunks('starve_small', 'p_starve', 1000, 50);
    await importKeys(url, 'acme', pool.id, keys('STARVE-C', 500));
    await allocateInChunks('starve_small', 'p_starve', 1050, 10);
    expect(await statusOf()).toEqual({ big: 'awaiting_stock', small: [...Array(1000).fill('allocated'), ...Array(60).fill('awaiting_stock')] });
    const [kept] = await linesOf('starve_small_01059');
    expect(kept.reason).toContain('kept for an older line that has waited longest');

    await importKeys(url, 'acme', pool.id, keys('STARVE-D', 300));
    expect(await statusOf()).toEqual({ big: 'allocated', small: [...Array(1000).fill('allocated'), ...Array(60).fill('awaiting_stock')] });
    const big = (await outboxEvents<LicenseAllocatedData>(service, 'LicenseAllocated')).find((e) => e.data.orderId === 'starve_big')!;
    expect(new Set(big.data.licenses.map((l) => l.licenseId)).size).toBe(1000);
    await importKeys(url, 'acme', pool.id, keys('STARVE-E', 30));
    const small = (await statusOf()).small;
    expect(small.slice(0, 1030).every((s) => s === 'allocated')).toBe(true);
    expect(small.slice(1030).every((s) => s === 'awaiting_stock')).toBe(true);
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
    const pool = await createPool(url, 'acme', { productId: 'p_low', threshold: 3, name: 'Low editor' });
    await importKeys(url, 'acme', pool.id, keys('LOW-A', 5));
    const take = (n: number, tag: string) =>
      allocateDirectly(
        service,
        Array.from({ length: n }, (_, i) => lineRequest({ orderId: `low_${tag}_${i}`, productId: 'p_low' })),
      );
    const alerts = async () => (await outboxEvents<PoolLowData>(service, 'PoolLow')).filter((e) => e.data.poolId === pool.id).map((e) => e.data);
    for (let i = 0; i < 5; i++) await take(1, `a${i}`);
    expect(await alerts()).toEqual([
      // The pool's name and mode too (optional fields added to PoolLow v1), for the alert e-mail and `alerts tail`.
      expect.objectContaining({
        level: 'low',
        available: 2,
        threshold: 3,
        backordered: 0,
        productId: 'p_low',
        currency: null,
        poolName: 'Low editor',
        mode: 'live',
      }),
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

  it('reports a line held while licenses remain as low with the true figures, not as empty', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_short', threshold: 0 });
    await importKeys(url, 'acme', pool.id, keys('SHORT', 2));
    await allocateDirectly(service, [lineRequest({ orderId: 'short_1', productId: 'p_short', licenseCount: 3 })]);
    expect(await alertsOf(pool.id)).toEqual([expect.objectContaining({ level: 'low', available: 2, threshold: 0, backordered: 1 })]);
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
