import { PoolService, allocateDirectly, as, createPool, importKeys, keys, lineRequest, outboxEvents, query, startPoolService } from '../../test/pool-test-kit';

describe('uploads, recalls and bulk withdrawal on the real database', () => {
  let service: PoolService;
  let url: string;

  beforeAll(async () => {
    service = await startPoolService('pool_uploads');
    url = service.url;
  });
  afterAll(() => service?.close());

  const stockOf = async (poolId: string) => (await as(url, 'acme').get(`/v1/pools/${poolId}`).expect(200)).body;

  it('keeps each import as an upload with its label and report, listed newest first and paged', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_upl_list' });
    const first = (
      await as(url, 'acme')
        .upload(`/v1/pools/${pool.id}/licenses?label=${encodeURIComponent('vendor batch 7')}`, 'UPL-A-1\nUPL-A-1\nhttp://x.example.com')
        .expect(200)
    ).body;
    expect(first).toMatchObject({
      uploadId: expect.any(String),
      label: 'vendor batch 7',
      added: 1,
      duplicates: { count: 1, lines: [2] },
      rejected: { count: 1 },
    });
    const second = await importKeys(url, 'acme', pool.id, ['UPL-B-1']);
    const dry = (await as(url, 'acme').upload(`/v1/pools/${pool.id}/licenses?dryRun=true`, 'UPL-C-1').expect(200)).body;
    expect(dry.uploadId).toBeNull();

    const page1 = (await as(url, 'acme').get(`/v1/pools/${pool.id}/uploads?limit=1`).expect(200)).body;
    expect(page1.items.map((u: { uploadId: string }) => u.uploadId)).toEqual([second.uploadId]);
    const page2 = (await as(url, 'acme').get(`/v1/pools/${pool.id}/uploads?limit=1&after=${page1.nextCursor}`).expect(200)).body;
    expect(page2).toEqual({
      items: [expect.objectContaining({ uploadId: first.uploadId, label: 'vendor batch 7', report: first, recalledAt: null })],
      nextCursor: null,
    });
    const one = (await as(url, 'acme').get(`/v1/uploads/${first.uploadId}`).expect(200)).body;
    expect(one).toMatchObject({ uploadId: first.uploadId, poolId: pool.id, merchantId: 'm_acme', report: first });
    expect(JSON.stringify(one)).not.toContain('UPL-A-1');
    const [stored] = await query<{ n: number }>(service, `SELECT count(*)::int AS n FROM license WHERE upload_id = $1`, [first.uploadId]);
    expect(stored.n).toBe(1);

    await as(url, 'acme')
      .upload(`/v1/pools/${pool.id}/licenses?label=${'x'.repeat(201)}`, 'UPL-D-1')
      .expect(400);
    await as(url, 'acme').upload(`/v1/pools/${pool.id}/licenses?label=a%01b`, 'UPL-D-1').expect(400);
    await as(url, 'acme').get(`/v1/pools/${pool.id}/uploads?after=nope`).expect(400);
  });

  it('recalls an upload: withdraws its unsold licenses once, reports the sold ones with their order line, and hides it from other merchants', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_upl_recall', threshold: 1 });
    const older = await importKeys(url, 'acme', pool.id, keys('RCL-OLD', 2));
    const upload = await importKeys(url, 'acme', pool.id, keys('RCL-NEW', 5));
    // Oldest first: the two older licenses and one of the upload are sold.
    await allocateDirectly(service, [
      lineRequest({ orderId: 'ord_rcl', lineId: 'line_rcl', merchantId: 'm_acme', productId: 'p_upl_recall', licenseCount: 3 }),
    ]);
    expect(await stockOf(pool.id)).toMatchObject({ available: 4, allocated: 3 });

    await as(url, 'globex').post(`/v1/uploads/${upload.uploadId}/recall`).expect(404);
    await as(url, 'globex').get(`/v1/uploads/${upload.uploadId}`).expect(404);
    expect(await stockOf(pool.id)).toMatchObject({ available: 4 });

    const poolLows = async () => (await outboxEvents<{ poolId: string }>(service, 'PoolLow')).filter((event) => event.data.poolId === pool.id).length;
    expect(await poolLows()).toBe(0);
    const recall = (await as(url, 'acme').post(`/v1/uploads/${upload.uploadId}/recall`).expect(200)).body;
    expect(recall).toEqual({
      uploadId: upload.uploadId,
      withdrawn: 4,
      alreadyWithdrawn: 0,
      sold: { count: 1, licenses: [{ licenseId: expect.any(String), orderId: 'ord_rcl', lineId: 'line_rcl' }] },
    });
    expect(await stockOf(pool.id)).toMatchObject({ available: 0, allocated: 3, withdrawn: 4 });
    const again = (await as(url, 'acme').post(`/v1/uploads/${upload.uploadId}/recall`).expect(200)).body;
    expect(again).toEqual({ ...recall, withdrawn: 0, alreadyWithdrawn: 4 });
    expect(await stockOf(pool.id)).toMatchObject({ available: 0, withdrawn: 4 });
    expect((await as(url, 'acme').get(`/v1/uploads/${upload.uploadId}`).expect(200)).body.recalledAt).toEqual(expect.any(String));
    // The older upload is untouched; the pool went below its threshold, so PoolLow was raised.
    const [untouched] = await query<{ n: number }>(service, `SELECT count(*)::int AS n FROM license WHERE upload_id = $1 AND status = 'allocated'`, [
      older.uploadId,
    ]);
    expect(untouched.n).toBe(2);
    expect(await poolLows()).toBeGreaterThan(0);
  });

  it('withdraws by value: counts withdrawn, already withdrawn, sold and not found, never across pools or merchants', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_upl_bulk' });
    const other = await createPool(url, 'acme', { productId: 'p_upl_bulk_other' });
    await importKeys(url, 'acme', pool.id, ['BULK-SOLD', 'BULK-1', 'BULK-2', 'BULK-3']);
    await importKeys(url, 'acme', other.id, ['BULK-ELSEWHERE']);
    await allocateDirectly(service, [
      lineRequest({ orderId: 'ord_bulk', lineId: 'line_bulk', merchantId: 'm_acme', productId: 'p_upl_bulk', licenseCount: 1 }),
    ]);
    const path = `/v1/pools/${pool.id}/licenses/withdraw`;

    await as(url, 'globex')
      .post(path, { values: ['BULK-1'] })
      .expect(404);
    const first = (
      await as(url, 'acme')
        .post(path, { values: ['BULK-1', '\uff22ULK-2', 'BULK-SOLD', 'BULK-ELSEWHERE', 'bulk-3', 'BULK-1'] })
        .expect(200)
    ).body;
    expect(first).toEqual({
      withdrawn: 2,
      alreadyWithdrawn: 0,
      sold: { count: 1, licenses: [{ licenseId: expect.any(String), orderId: 'ord_bulk', lineId: 'line_bulk' }] },
      notFound: { count: 2, indexes: [3, 4] },
    });
    expect(await stockOf(pool.id)).toMatchObject({ available: 1, withdrawn: 2 });
    expect(await stockOf(other.id)).toMatchObject({ available: 1 });
    const second = (
      await as(url, 'acme')
        .post(path, { values: ['BULK-1', 'BULK-3'] })
        .expect(200)
    ).body;
    expect(second).toMatchObject({ withdrawn: 1, alreadyWithdrawn: 1, sold: { count: 0 }, notFound: { count: 0 } });

    await as(url, 'acme').post(path, { values: [] }).expect(400);
    await as(url, 'acme')
      .post(path, { values: Array.from({ length: 1001 }, (_, i) => `K${i}`) })
      .expect(400);
    await as(url, 'acme')
      .post(path, { values: [42] })
      .expect(400);
  });
});
