import { PoolService, as, createPool, importKeys, revealedValues, startPoolService } from '../../test/pool-test-kit';

describe('pools over HTTP', () => {
  let service: PoolService;
  let url: string;

  beforeAll(async () => {
    service = await startPoolService('pools_http');
    url = service.url;
  });
  afterAll(() => service?.close());

  it('creates a pool with its threshold and shows its stock counts', async () => {
    const pool = await createPool(url, 'acme', { name: 'Editor EUR', productId: 'p_editor', currency: 'EUR', threshold: 5 });
    expect(pool).toMatchObject({ merchantId: 'm_acme', mode: 'live', productId: 'p_editor', currency: 'EUR', threshold: 5, archived: false });
    await importKeys(url, 'acme', pool.id, ['KEY-0001-AAAA', 'KEY-0002-BBBB', 'KEY-0003-CCCC']);
    const read = await as(url, 'acme').get(`/v1/pools/${pool.id}`).expect(200);
    expect(read.body).toMatchObject({ available: 3, allocated: 0, withdrawn: 0, backordered: 0 });
    const list = await as(url, 'acme').get('/v1/pools').expect(200);
    expect(list.body.map((p: { id: string }) => p.id)).toContain(pool.id);
    const metrics = (await as(url, 'acme').get('/metrics').expect(200)).text;
    expect(metrics).toMatch(new RegExp(`keypool_pool_licenses\\{pool_id="${pool.id}",merchant_id="m_acme",mode="live",status="available"\\} 3`));
    expect(metrics).toContain('keypool_pool_import_rows_total{outcome="added"} 3');
    expect(metrics).toContain('keypool_pool_order_lines{status="unroutable"} 0');
  });

  it('allows one pool per scope and mode, and a test pool beside a live one', async () => {
    await createPool(url, 'acme', { productId: 'p_scope' });
    const again = await as(url, 'acme').post('/v1/pools', { productId: 'p_scope', threshold: 1 }).expect(409);
    expect(again.body.message).toContain('already have a live pool for product p_scope');
    await createPool(url, 'acme', { productId: 'p_scope', mode: 'test' });
    await createPool(url, 'acme', {});
    await as(url, 'acme').post('/v1/pools', { threshold: 3 }).expect(409);
  });

  it('refuses a currency pool without a product, and a body it cannot read, saying what to fix', async () => {
    const noProduct = await as(url, 'acme').post('/v1/pools', { currency: 'EUR', threshold: 1 }).expect(400);
    expect(noProduct.body.message).toContain('needs a productId');
    const bad = await as(url, 'acme').post('/v1/pools', { productId: 'p_x', threshold: -1 }).expect(400);
    expect(bad.body.message).toContain('threshold');
  });

  it('renames a pool and changes its threshold', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_rename', threshold: 2 });
    const updated = await as(url, 'acme').patch(`/v1/pools/${pool.id}`, { name: 'Renamed', threshold: 9 }).expect(200);
    expect(updated.body).toMatchObject({ name: 'Renamed', threshold: 9 });
  });

  it('archives a pool so its scope can be reused, and refuses to restore it over the new one', async () => {
    const old = await createPool(url, 'acme', { productId: 'p_archive' });
    const archived = await as(url, 'acme').post(`/v1/pools/${old.id}/archive`).expect(200);
    expect(archived.body.archived).toBe(true);
    await as(url, 'acme').upload(`/v1/pools/${old.id}/licenses`, 'KEY-ARCHIVED-0001').expect(409);
    const fresh = await createPool(url, 'acme', { productId: 'p_archive' });
    await as(url, 'acme').post(`/v1/pools/${old.id}/restore`).expect(409);
    await as(url, 'acme').post(`/v1/pools/${fresh.id}/archive`).expect(200);
    await as(url, 'acme').post(`/v1/pools/${old.id}/restore`).expect(200);
    const active = await as(url, 'acme').get('/v1/pools').expect(200);
    expect(active.body.map((p: { id: string }) => p.id)).toContain(old.id);
    expect(active.body.map((p: { id: string }) => p.id)).not.toContain(fresh.id);
  });

  it("answers 404 for another merchant's pool, whatever the operation", async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_private' });
    const globex = as(url, 'globex');
    await globex.get(`/v1/pools/${pool.id}`).expect(404);
    await globex.patch(`/v1/pools/${pool.id}`, { threshold: 1 }).expect(404);
    await globex.post(`/v1/pools/${pool.id}/archive`).expect(404);
    await globex.get(`/v1/pools/${pool.id}/licenses`).expect(404);
    await globex.upload(`/v1/pools/${pool.id}/licenses`, 'KEY-GLOBEX-0001').expect(404);
    const list = await globex.get('/v1/pools').expect(200);
    expect(list.body.map((p: { id: string }) => p.id)).not.toContain(pool.id);
    await as(url, 'acme').get('/v1/pools/not-a-pool-id').expect(404);
  });

  it('lets support act for a merchant it names, and asks it to name one', async () => {
    const missing = await as(url, 'support').post('/v1/pools', { productId: 'p_support', threshold: 1 }).expect(400);
    expect(missing.body.message).toContain('merchantId');
    const pool = await createPool(url, 'support', { merchantId: 'm_globex', productId: 'p_support' });
    expect(pool.merchantId).toBe('m_globex');
    const seen = await as(url, 'support').get('/v1/pools?merchantId=m_globex').expect(200);
    expect(seen.body.every((p: { merchantId: string }) => p.merchantId === 'm_globex')).toBe(true);
  });

  it('masks license values for every key, support included', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_mask' });
    await importKeys(url, 'acme', pool.id, ['MASK-1111-2222-3333', 'SHORT']);
    for (const who of ['acme', 'support'] as const) {
      const listed = await as(url, who).get(`/v1/pools/${pool.id}/licenses`).expect(200);
      expect(listed.body.items.map((l: { value: string; masked: boolean }) => [l.value, l.masked])).toEqual([
        ['MASK…3333', true],
        ['••••', true],
      ]);
    }
  });

  it('reveals one license to its merchant or support with a reason, and records who, when, which and why', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_reveal' });
    await importKeys(url, 'acme', pool.id, ['REVEAL-1111-2222']);
    const [license] = (await as(url, 'acme').get(`/v1/pools/${pool.id}/licenses`).expect(200)).body.items;
    const reason = 'ticket 4711: key reported as already in use';
    const bySupport = await as(url, 'support').post(`/v1/pools/${pool.id}/licenses/${license.licenseId}/reveal`, { reason }).expect(200);
    expect(bySupport.body).toEqual({ licenseId: license.licenseId, value: 'REVEAL-1111-2222', auditId: expect.any(String) });
    await as(url, 'acme').post(`/v1/pools/${pool.id}/licenses/${license.licenseId}/reveal`, { reason: 'our own check of the stock' }).expect(200);

    const log = (await as(url, 'acme').get('/v1/audit/reveals').expect(200)).body.items;
    expect(log.slice(0, 2)).toEqual([
      expect.objectContaining({ callerKind: 'merchant', merchantId: 'm_acme', subject: { kind: 'license', poolId: pool.id, licenseId: license.licenseId } }),
      expect.objectContaining({
        id: bySupport.body.auditId,
        callerKind: 'support',
        keyId: expect.stringMatching(/^key_[0-9a-f]{12}$/),
        licenseIds: [license.licenseId],
        reason,
      }),
    ]);
    expect(JSON.stringify(log)).not.toContain('REVEAL-1111-2222');
    expect((await as(url, 'globex').get('/v1/audit/reveals').expect(200)).body.items).toEqual([]);
  });

  it('refuses a reveal without a reason, and answers 404 to another merchant, recording nothing', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_reveal_no' });
    await importKeys(url, 'acme', pool.id, ['HIDDEN-1111-2222']);
    const [license] = (await as(url, 'acme').get(`/v1/pools/${pool.id}/licenses`).expect(200)).body.items;
    const before = (await as(url, 'support').get('/v1/audit/reveals?merchantId=m_acme').expect(200)).body.items.length;
    const noReason = await as(url, 'support').post(`/v1/pools/${pool.id}/licenses/${license.licenseId}/reveal`, {}).expect(400);
    expect(noReason.body.message).toMatch(/^body\.reason: /);
    await as(url, 'globex').post(`/v1/pools/${pool.id}/licenses/${license.licenseId}/reveal`, { reason: 'curious about their stock' }).expect(404);
    await as(url, 'support')
      .post(`/v1/pools/${pool.id}/licenses/00000000-0000-4000-8000-000000000000/reveal`, { reason: 'a license that does not exist' })
      .expect(404);
    expect((await as(url, 'support').get('/v1/audit/reveals?merchantId=m_acme').expect(200)).body.items).toHaveLength(before);
    const badPage = await as(url, 'support').get('/v1/audit/reveals?limit=0&before=x').expect(400);
    expect(badPage.body.message).toMatch(/^query\.limit: must be an integer >= 1, got 0; query\.before: must be nextCursor of the previous page/);
  });

  it('pages through licenses oldest first', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_pages' });
    await importKeys(url, 'acme', pool.id, ['PAGE-A', 'PAGE-B', 'PAGE-C']);
    const all = await revealedValues(url, pool.id);
    expect(all).toEqual(['PAGE-A', 'PAGE-B', 'PAGE-C']);
    const first = await as(url, 'support').get(`/v1/pools/${pool.id}/licenses?limit=2`).expect(200);
    const second = await as(url, 'support').get(`/v1/pools/${pool.id}/licenses?limit=2&after=${first.body.nextCursor}`).expect(200);
    expect(second.body).toMatchObject({ items: [{ value: '••••' }], nextCursor: null });
    const ids = [...first.body.items, ...second.body.items].map((l: { licenseId: string }) => l.licenseId);
    const listed = (await as(url, 'support').get(`/v1/pools/${pool.id}/licenses`).expect(200)).body.items.map((l: { licenseId: string }) => l.licenseId);
    expect(ids).toEqual(listed);
  });

  it('withdraws an unused license, counts it, and refuses to import it again', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_withdraw' });
    await importKeys(url, 'acme', pool.id, ['WITHDRAW-ME-0001']);
    const [license] = (await as(url, 'acme').get(`/v1/pools/${pool.id}/licenses`)).body.items;
    await as(url, 'acme').delete(`/v1/pools/${pool.id}/licenses/${license.licenseId}`).expect(204);
    await as(url, 'acme').delete(`/v1/pools/${pool.id}/licenses/${license.licenseId}`).expect(204);
    const read = await as(url, 'acme').get(`/v1/pools/${pool.id}`).expect(200);
    expect(read.body).toMatchObject({ available: 0, withdrawn: 1 });
    const metrics = (await as(url, 'acme').get('/metrics').expect(200)).text;
    expect(metrics).toMatch(new RegExp(`keypool_pool_licenses\\{pool_id="${pool.id}",merchant_id="m_acme",mode="live",status="withdrawn"\\} 1\\n`));
    const again = await importKeys(url, 'acme', pool.id, ['WITHDRAW-ME-0001']);
    expect(again.duplicates).toEqual({ count: 1, lines: [1] });
    await as(url, 'acme').delete(`/v1/pools/${pool.id}/licenses/00000000-0000-4000-8000-000000000000`).expect(404);
  });
});
