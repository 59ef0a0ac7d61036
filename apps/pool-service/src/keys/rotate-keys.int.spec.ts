import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { LicenseAllocatedData } from '@keypool/contracts';
import { type ColumnProgress, type SealedColumn, SecretBox, rotateKeys, unnestRows } from '@keypool/platform';
import { TestDatabase, freshDatabase, startTestApp, testServiceEnv, topicsOf, uniqueName, waitUntil } from '@keypool/testing';
import { AppModule } from '../app.module';
import { LICENSE_HASH_VERSION, licenseHash } from '../licenses/license-hash';
import { PoolService, allocateDirectly, as, createPool, importKeys, keys, lineRequest, outboxEvents } from '../../test/pool-test-kit';
import { POOL_SEALED_COLUMNS, licenseValueContext } from './sealed-columns';

const OLD = `old:${randomBytes(32).toString('base64')}`;
const NEW = `new:${randomBytes(32).toString('base64')}`;
const HASH_KEY = randomBytes(32).toString('base64');
const ROTATION = { apply: true, batchSize: 50, maxPasses: 40, passPauseMs: 100, progressEveryMs: 0 };

interface SealedValue {
  version: number;
  keyId: string;
  plaintext: string;
}

/** Every sealed value of the database, by column and primary key, opened with the given keys and its row's context. */
async function sealedValues(pg: Pool, cipher: SecretBox): Promise<Map<string, SealedValue>> {
  const values = new Map<string, SealedValue>();
  for (const column of POOL_SEALED_COLUMNS) {
    const readable = [...new Set([...column.key, ...column.identity])];
    const { rows } = await pg.query(
      `SELECT ${readable.map((c) => `${c}::text AS ${c}`).join(', ')}, ${column.column} AS sealed FROM ${column.table} WHERE ${column.column} IS NOT NULL`,
    );
    for (const row of rows) {
      values.set(rowName(column, row), {
        version: SecretBox.versionOf(row.sealed),
        keyId: SecretBox.keyIdOf(row.sealed),
        plaintext: cipher.decryptText(row.sealed, column.context(row)),
      });
    }
  }
  return values;
}

const rowName = (column: SealedColumn, row: Record<string, string>) => `${column.table}.${column.column} ${column.key.map((k) => row[k]).join('/')}`;

describe('pool-service keys: values bound to their rows, and the rotation (real PostgreSQL and broker)', () => {
  let db: TestDatabase;
  let pg: Pool;
  let service: PoolService | undefined;
  const topicPrefix = uniqueName('keys');

  async function start(keySpec: string, activeKey?: string): Promise<PoolService> {
    await service?.app.close();
    const env = testServiceEnv(db.url, topicPrefix, {
      DATA_ENCRYPTION_KEYS: keySpec,
      LICENSE_HASH_KEY: HASH_KEY,
      ...(activeKey ? { DATA_ENCRYPTION_ACTIVE_KEY: activeKey } : {}),
    });
    const { app, url } = await startTestApp(AppModule.forEnv(env));
    service = { app, url, db, env, topics: topicsOf(env), close: () => app.close() };
    return service;
  }
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => service!.app.get(DataSource).query(text, params);

  beforeAll(async () => {
    db = await freshDatabase('pool_keys');
    pg = new Pool({ connectionString: db.url, max: 4 });
    // An idle connection the server ends (57P01) is replaced on the next query; unheard, the
    // pool's 'error' event would end the test instead.
    pg.on('error', () => undefined);
  });
  afterAll(async () => {
    await service?.app.close();
    await pg.end();
    await db.drop();
  });

  it('does not open a license value or an allocation event copied into another row', async () => {
    const { url } = await start(OLD);
    const pool = await createPool(url, 'acme', { productId: 'p_bind' });
    await importKeys(url, 'acme', pool.id, ['BIND-AAAA-0001', 'BIND-BBBB-0002', 'BIND-CCCC-0003']);
    const [a, b] = await sql<{ id: string }>(`SELECT id FROM license WHERE pool_id = $1 ORDER BY seq`, [pool.id]);
    await sql(`UPDATE license SET value = (SELECT value FROM license WHERE id = $1) WHERE id = $2`, [a.id, b.id]);
    const reveal = (licenseId: string) => as(url, 'support').post(`/v1/pools/${pool.id}/licenses/${licenseId}/reveal`, { reason: 'test: binding' });
    expect((await reveal(a.id)).body.value).toBe('BIND-AAAA-0001');
    const moved = await reveal(b.id);
    expect(moved.status).toBe(500);
    expect(JSON.stringify(moved.body)).not.toContain('BIND-AAAA-0001');
    await sql(`DELETE FROM license WHERE id = $1`, [b.id]);

    const first = lineRequest({ orderId: 'bind_1', productId: 'p_bind' });
    const second = lineRequest({ orderId: 'bind_2', productId: 'p_bind' });
    await allocateDirectly(service!, [first, second]);
    const [x, y] = await sql<{ id: string; event: Buffer }>(`SELECT id, event FROM allocation WHERE order_id IN ('bind_1', 'bind_2') ORDER BY order_id`);
    await sql(`UPDATE allocation SET event = $1 WHERE id = $2`, [x.event, y.id]);
    // A repeated request re-publishes the stored event: bind_2's row now holds bind_1's.
    await expect(allocateDirectly(service!, [second])).rejects.toThrow();
    await sql(`UPDATE allocation SET event = $1 WHERE id = $2`, [y.event, y.id]);
    await allocateDirectly(service!, [second]);
  });

  it('re-encrypts every old-key and v1 value under the new key while the service writes, so the old key can go', async () => {
    let { url } = await start(OLD);
    const stocked = await createPool(url, 'acme', { productId: 'p_rot' });
    const empty = await createPool(url, 'acme', { productId: 'p_held' });
    await importKeys(url, 'acme', stocked.id, keys('ROT-OLD', 300));
    // Rows sealed before values were bound to their rows (format v1).
    const v1Box = SecretBox.fromSpec(OLD);
    const v1Values = keys('ROT-V1', 200);
    const t = unnestRows(
      v1Values,
      { h: ['bytea', (v) => licenseHash(Buffer.from(HASH_KEY, 'base64'), v)], v: ['bytea', (v) => v1Box.encrypt(v)] },
      { alias: 't', first: 3 },
    );
    await sql(
      `INSERT INTO license (pool_id, merchant_id, value_hash, value, hash_version)
       SELECT $1, 'm_acme', h, v, $2 FROM ${t.from}`,
      [stocked.id, LICENSE_HASH_VERSION, ...t.parameters],
    );
    await allocateDirectly(
      service!,
      Array.from({ length: 40 }, (_, i) => lineRequest({ orderId: `before_${i}`, productId: 'p_rot' })),
    );
    await allocateDirectly(service!, [lineRequest({ orderId: 'held_1', productId: 'p_held' })]);

    ({ url } = await start(`${OLD},${NEW}`, 'new'));
    const both = SecretBox.fromSpec(`${OLD},${NEW}`, 'new');
    const before = await sealedValues(pg, both);
    expect([...before.values()].filter((v) => v.version === 1)).toHaveLength(200);
    expect([...before.values()].every((v) => v.keyId === 'old')).toBe(true);

    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let round = 0; writing; round++) {
        await importKeys(url, 'acme', stocked.id, keys(`ROT-NEW-${round}`, 10));
        await allocateDirectly(
          service!,
          Array.from({ length: 3 }, (_, i) => lineRequest({ orderId: `during_${round}_${i}`, productId: 'p_rot' })),
        );
        written++;
      }
    })();
    const progress: ColumnProgress[] = [];
    const report = await rotateKeys(pg, both, POOL_SEALED_COLUMNS, { ...ROTATION, onProgress: (p) => progress.push(p) });
    writing = false;
    await writer;

    expect(written).toBeGreaterThan(0);
    expect(report.complete).toBe(true);
    expect(report.unusedKeys).toEqual(['old']);
    expect(report.columns.map((c) => c.unreadable)).toEqual([[], [], [], []]);
    expect(report.columns.reduce((sum, c) => sum + c.reencrypted, 0)).toBeGreaterThanOrEqual(before.size);
    expect(progress.filter((p) => p.final).map((p) => p.column)).toEqual(['license.value', 'allocation.request', 'allocation.event', 'outbox.payload']);

    const newOnly = SecretBox.fromSpec(NEW);
    const after = await sealedValues(pg, newOnly);
    expect([...after.values()].filter((v) => v.version !== 2 || v.keyId !== 'new')).toEqual([]);
    for (const [row, value] of before) expect({ row, plaintext: after.get(row)?.plaintext }).toEqual({ row, plaintext: value.plaintext });

    const again = await rotateKeys(pg, both, POOL_SEALED_COLUMNS, ROTATION);
    expect(again.columns.map((c) => [c.reencrypted, c.due])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);

    // The old key leaves the configuration: old and v1 rows are served, revealed and re-published.
    ({ url } = await start(NEW));
    const [v1License] = await sql<{ id: string }>(`SELECT id FROM license WHERE value_hash = $1`, [
      licenseHash(Buffer.from(HASH_KEY, 'base64'), 'ROT-V1-0000007'),
    ]);
    const revealed = await as(url, 'support').post(`/v1/pools/${stocked.id}/licenses/${v1License.id}/reveal`, { reason: 'test: after rotation' }).expect(200);
    expect(revealed.body.value).toBe('ROT-V1-0000007');
    await importKeys(url, 'acme', empty.id, ['HELD-NEW-0001']);
    const heldServed = async () => (await sql(`SELECT 1 FROM allocation WHERE order_id = 'held_1' AND status = 'allocated'`)).length === 1;
    await waitUntil(heldServed, 10000, 'the held line to be served from its rotated request');
    await allocateDirectly(service!, [
      lineRequest({ orderId: 'before_3', productId: 'p_rot' }),
      lineRequest({ orderId: 'after_1', productId: 'p_rot', licenseCount: 5 }),
    ]);
    const events = await outboxEvents<LicenseAllocatedData>(service!, 'LicenseAllocated');
    const byOrder = new Map(events.map((e) => [e.data.orderId, e.data]));
    expect(byOrder.get('held_1')?.licenses.map((l) => l.value)).toEqual(['HELD-NEW-0001']);
    expect(byOrder.get('after_1')?.licenses).toHaveLength(5);
    const reissued = events.filter((e) => e.data.orderId === 'before_3');
    expect(new Set(reissued.map((e) => e.id)).size).toBe(1);
    const [license] = reissued[0].data.licenses;
    expect(
      newOnly.decryptText(
        (await sql<{ value: Buffer }>(`SELECT value FROM license WHERE id = $1`, [license.licenseId]))[0].value,
        licenseValueContext(license.licenseId),
      ),
    ).toBe(license.value);
  });
});
