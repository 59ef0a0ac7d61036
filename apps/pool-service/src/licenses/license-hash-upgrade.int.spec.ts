import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG, SecretBox, keyedHash, unnestRows } from '@keypool/platform';
import { startTestApp, waitUntil } from '@keypool/testing';
import { AppModule } from '../app.module';
import { PoolConfig, licenseHashKey } from '../config';
import { licenseValueContext } from '../keys/sealed-columns';
import { PoolService, createPool, importKeys, query, startPoolService } from '../../test/pool-test-kit';
import { licenseHash } from './license-hash';
import { LicenseHashUpgrade } from './license-hash-upgrade';

describe('licenses stored under the older hash rule', () => {
  let service: PoolService;
  let hashKey: Buffer;

  beforeAll(async () => {
    service = await startPoolService('pool_rehash');
    hashKey = licenseHashKey(service.app.get<PoolConfig>(SERVICE_CONFIG));
  });
  afterAll(() => service?.close());

  /** Rows as the service wrote them before NFKC: the keyed hash of the value as sent, version 1. */
  async function storeAsBefore(poolId: string, merchantId: string, values: string[]): Promise<void> {
    const cipher = service.app.get(SecretBox);
    const rows = values.map((value) => ({ id: randomUUID(), value }));
    const t = unnestRows(
      rows,
      {
        i: ['uuid', (r) => r.id],
        h: ['bytea', (r) => keyedHash(hashKey, r.value)],
        v: ['bytea', (r) => cipher.encrypt(r.value, licenseValueContext(r.id))],
      },
      { alias: 't', first: 3 },
    );
    await query(
      service,
      `INSERT INTO license (id, pool_id, merchant_id, value_hash, value, hash_version)
       SELECT i, $1, $2, h, v, 1 FROM ${t.from}`,
      [poolId, merchantId, ...t.parameters],
    );
  }
  const outdated = async (merchantId: string) =>
    Number((await query<{ n: string }>(service, `SELECT count(*) AS n FROM license WHERE merchant_id = $1 AND hash_version < 2`, [merchantId]))[0].n);

  it('are upgraded before an import compares hashes, so a key stored before NFKC is still a duplicate', async () => {
    const pool = await createPool(service.url, 'acme', { productId: 'p_before_nfkc' });
    await storeAsBefore(pool.id, 'm_acme', ['\uff2c\uff25\uff27-0001', 'LEGACY-ASCII-0002']);
    const report = await importKeys(service.url, 'acme', pool.id, ['LEG-0001', 'LEGACY-ASCII-0002', 'LEG-0003']);
    expect(report).toMatchObject({ added: 1, duplicates: { count: 2, lines: [1, 2] } });
    expect(await outdated('m_acme')).toBe(0);
  });

  it('are upgraded in batches in the background at start-up; two that are one key in NFKC both stay and both refuse a new copy', async () => {
    const pool = await createPool(service.url, 'globex', { productId: 'p_before_nfkc' });
    const plain = Array.from({ length: 2500 }, (_, i) => `OLD-PLAIN-${String(i).padStart(5, '0')}`);
    await storeAsBefore(pool.id, 'm_globex', ['\uff34\uff37\uff29\uff2e-0001', 'TWIN-0001', '\uff2f\uff34\uff28\uff25\uff32-0002', ...plain]);
    expect(await outdated('m_globex')).toBe(2503);

    const restarted = await startTestApp(AppModule.forEnv(service.env));
    try {
      await waitUntil(async () => (await outdated('m_globex')) === 0, 15_000, 'the start-up upgrade of older license hashes');
    } finally {
      await restarted.app.close();
    }
    const holders = await query(service, `SELECT 1 FROM license WHERE merchant_id = 'm_globex' AND value_hash = $1`, [licenseHash(hashKey, 'TWIN-0001')]);
    expect(holders).toHaveLength(1);
    const report = await importKeys(service.url, 'globex', pool.id, [
      'TWIN-0001',
      '\uff34\uff37\uff29\uff2e-0001',
      'OTHER-0002',
      'OLD-PLAIN-00042',
      'NEW-0003',
    ]);
    expect(report).toMatchObject({ added: 1, duplicates: { count: 4, lines: [1, 2, 3, 4] } });
    expect(await query(service, `SELECT count(*)::int AS n FROM license WHERE merchant_id = 'm_globex'`)).toEqual([{ n: 2504 }]);
  });

  it('are not rehashed in the background while their merchant imports (its import lock held), and are once it is done', async () => {
    const pool = await createPool(service.url, 'acme', { productId: 'p_rehash_while_importing' });
    await storeAsBefore(pool.id, 'm_acme', ['\uff29\uff2e\uff29-0001', 'INI-PLAIN-0002']);
    const dataSource = service.app.get(DataSource);
    const upgrade = new LicenseHashUpgrade(service.app.get(SecretBox), hashKey);
    const background = () => dataSource.transaction((manager) => upgrade.upgrade(manager, { limit: 100, skipLocked: true }));
    const importing = dataSource.createQueryRunner();
    await importing.connect();
    try {
      await importing.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, ['keypool.import:m_acme']);
      await background();
      expect(await outdated('m_acme')).toBe(2);
      await importing.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, ['keypool.import:m_acme']);
      await background();
      expect(await outdated('m_acme')).toBe(0);
    } finally {
      await importing.release();
    }
  });
});
