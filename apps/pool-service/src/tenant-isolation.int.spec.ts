import { DocumentedOperation, IsolationTable, documentedOperations, isolationProblems, uncoveredOperations, uniqueName } from '@keypool/testing';
import { PoolService, allocateDirectly, as, createPool, importKeys, keys, lineRequest, startPoolService } from '../test/pool-test-kit';

type Items<T> = { items: T[] };

describe('pool-service keeps every merchant to its own data, on every documented operation', () => {
  let service: PoolService;
  let documented: Map<string, DocumentedOperation>;
  const acmeKeys = keys(uniqueName('ISO'), 3);
  const recallKeys = keys(uniqueName('ISO-RECALL'), 2);
  const globexKeys = keys(uniqueName('ISO-GLOBEX'), 1);
  const fx = {
    poolId: '',
    archivableId: '',
    restorableId: '',
    globexPoolId: '',
    licenseId: '',
    revealableId: '',
    auditId: '',
    uploadId: '',
    recallPoolId: '',
    recallUploadId: '',
    recallLicenseId: '',
    heldOrderId: uniqueName('ord_held'),
  };

  const poolOf = async (poolId: string) => (await as(service.url, 'acme').get(`/v1/pools/${poolId}`)).body;
  const licensesOf = async (poolId: string) => [await poolOf(poolId), (await as(service.url, 'acme').get(`/v1/pools/${poolId}/licenses?limit=1000`)).body];
  const auditOf = async () => (await as(service.url, 'acme').get('/v1/audit/reveals')).body;
  const acmePoolIds = async () => ((await as(service.url, 'acme').get('/v1/pools?includeArchived=true')).body as { id: string }[]).map((p) => p.id).sort();

  const table: IsolationTable = {
    'POST /v1/pools': () => ({
      request: () => ({ json: { merchantId: 'm_acme', productId: uniqueName('p_new'), threshold: 0 } }),
      shows: { acmeIds: ['m_acme'], idsIn: (pool) => [(pool as { merchantId: string }).merchantId] },
      state: acmePoolIds,
    }),
    'GET /v1/pools': () => ({
      request: () => ({ query: { includeArchived: 'true' } }),
      shows: { acmeIds: [fx.poolId, fx.archivableId, fx.restorableId], idsIn: (pools) => (pools as { id: string }[]).map((p) => p.id) },
    }),
    'GET /v1/pools/{poolId}': () => ({ params: { poolId: fx.poolId } }),
    'GET /v1/pools/{poolId}/consumption': () => ({ params: { poolId: fx.poolId } }),
    'PATCH /v1/pools/{poolId}': () => ({
      params: { poolId: fx.poolId },
      request: (who) => ({ json: { name: `named by ${who}`, threshold: 1 } }),
      state: () => poolOf(fx.poolId),
    }),
    'POST /v1/pools/{poolId}/archive': () => ({ params: { poolId: fx.archivableId }, state: () => poolOf(fx.archivableId) }),
    'POST /v1/pools/{poolId}/restore': () => ({ params: { poolId: fx.restorableId }, state: () => poolOf(fx.restorableId) }),
    'POST /v1/pools/{poolId}/licenses': () => ({
      params: { poolId: fx.poolId },
      request: (who) => ({ text: keys(uniqueName(`ISO-${who}`), 2).join('\n') }),
      state: () => licensesOf(fx.poolId),
    }),
    'GET /v1/pools/{poolId}/licenses': () => ({ params: { poolId: fx.poolId } }),
    'GET /v1/licenses/{licenseId}': () => ({ params: { licenseId: fx.licenseId } }),
    'GET /v1/licenses/{licenseId}/history': () => ({ params: { licenseId: fx.licenseId } }),
    // globex looks up a value of its own (its answer must not be acme's license); acme's value as globex: license-ledger.int.spec.
    'POST /v1/licenses/lookup': () => ({
      request: (who) => ({ json: { value: who === 'globex' ? globexKeys[0] : recallKeys[1] } }),
      shows: { acmeIds: [fx.recallLicenseId], idsIn: (body) => [String((body as { license?: { licenseId?: string } }).license?.licenseId)] },
    }),
    'POST /v1/pools/{poolId}/key-format/try': () => ({
      params: { poolId: fx.poolId },
      request: (who) => ({ query: { pattern: 'ISO-.*' }, text: keys(uniqueName(`ISO-${who}`), 2).join('\n') }),
      state: () => licensesOf(fx.poolId),
    }),
    'DELETE /v1/pools/{poolId}/licenses/{licenseId}': () => ({
      params: { poolId: fx.poolId, licenseId: fx.licenseId },
      crossParams: [{ poolId: fx.globexPoolId, licenseId: fx.licenseId }],
      state: () => licensesOf(fx.poolId),
    }),
    'POST /v1/pools/{poolId}/licenses/{licenseId}/reveal': () => ({
      params: { poolId: fx.poolId, licenseId: fx.revealableId },
      crossParams: [{ poolId: fx.globexPoolId, licenseId: fx.revealableId }],
      request: () => ({ json: { reason: 'ticket 4711: key reported as in use' } }),
      state: auditOf,
    }),
    'GET /v1/audit/reveals': () => ({
      shows: { acmeIds: [fx.auditId], idsIn: (page) => (page as Items<{ id: unknown }>).items.map((entry) => String(entry.id)) },
    }),
    'GET /v1/pools/{poolId}/uploads': () => ({ params: { poolId: fx.poolId } }),
    'GET /v1/uploads/{uploadId}': () => ({ params: { uploadId: fx.uploadId } }),
    'POST /v1/uploads/{uploadId}/recall': () => ({ params: { uploadId: fx.recallUploadId }, state: () => licensesOf(fx.recallPoolId) }),
    'POST /v1/pools/{poolId}/licenses/withdraw': () => ({
      params: { poolId: fx.recallPoolId },
      request: () => ({ json: { values: [recallKeys[0], 'NOT-A-KEY-OF-ACME'] } }),
      state: () => licensesOf(fx.recallPoolId),
    }),
    'GET /v1/held-lines': () => ({
      shows: { acmeIds: [fx.heldOrderId], idsIn: (page) => (page as Items<{ orderId: string }>).items.map((line) => line.orderId) },
    }),
  };

  beforeAll(async () => {
    service = await startPoolService('pool_isolation');
    documented = await documentedOperations(service.url);
    const url = service.url;
    fx.poolId = (await createPool(url, 'acme', { productId: 'p_iso' })).id;
    fx.uploadId = (await importKeys(url, 'acme', fx.poolId, acmeKeys)).uploadId;
    fx.recallPoolId = (await createPool(url, 'acme', { productId: 'p_iso_recall' })).id;
    fx.recallUploadId = (await importKeys(url, 'acme', fx.recallPoolId, recallKeys)).uploadId;
    [fx.licenseId, fx.revealableId] = ((await as(url, 'acme').get(`/v1/pools/${fx.poolId}/licenses`)).body as Items<{ licenseId: string }>).items.map(
      (l) => l.licenseId,
    );
    const revealed = await as(url, 'acme')
      .post(`/v1/pools/${fx.poolId}/licenses/${fx.revealableId}/reveal`, { reason: 'ticket 4710: the first look' })
      .expect(200);
    fx.auditId = String(revealed.body.auditId);
    fx.archivableId = (await createPool(url, 'acme', { productId: 'p_iso_archive' })).id;
    fx.restorableId = (await createPool(url, 'acme', { productId: 'p_iso_restore' })).id;
    await as(url, 'acme').post(`/v1/pools/${fx.restorableId}/archive`).expect(200);
    fx.globexPoolId = (await createPool(url, 'globex', { productId: 'p_iso' })).id;
    await importKeys(url, 'globex', fx.globexPoolId, globexKeys);
    fx.recallLicenseId = ((await as(url, 'acme').get(`/v1/pools/${fx.recallPoolId}/licenses`)).body as Items<{ licenseId: string }>).items[1].licenseId;
    await allocateDirectly(service, [lineRequest({ orderId: fx.heldOrderId, merchantId: 'm_acme', productId: 'p_iso_unrouted' })]);
  });
  afterAll(() => service?.close());

  it('has a table entry for exactly the operations its OpenAPI document lists', () => {
    expect(uncoveredOperations(documented, table)).toEqual([]);
  });

  it.each(Object.keys(table))('%s: 401 without a valid key, 404 on a wrong-case path, nothing of acme for globex', async (key) => {
    const operation = documented.get(key);
    if (!operation) throw new Error(`${key} is not in /docs-json`);
    expect(await isolationProblems(service.url, operation, table[key]())).toEqual([]);
  });

  it("never tells globex which license values acme holds: acme's keys are new to globex's pools", async () => {
    for (const dryRun of [true, false]) {
      const report = await as(service.url, 'globex').upload(`/v1/pools/${fx.globexPoolId}/licenses?dryRun=${dryRun}`, acmeKeys.join('\n')).expect(200);
      expect(report.body).toMatchObject({ added: acmeKeys.length, duplicates: { count: 0 } });
    }
    const acmeAgain = await as(service.url, 'acme').upload(`/v1/pools/${fx.poolId}/licenses?dryRun=true`, acmeKeys.join('\n')).expect(200);
    expect(acmeAgain.body).toMatchObject({ added: 0, duplicates: { count: acmeKeys.length } });
  });
});
