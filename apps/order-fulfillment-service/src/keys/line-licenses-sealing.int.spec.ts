import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { SecretBox, rotateKeys } from '@keypool/platform';
import { TestDatabase, freshDatabase } from '@keypool/testing';
import { fulfillmentMigrations } from '../migrations';
import { lineKey } from '../orders/order-locks';
import { parentOrdersOf, readLicenses, saveLicenses } from '../orders/saved-licenses';
import { FULFILLMENT_SEALED_COLUMNS } from './sealed-columns';

const OLD = `old:${randomBytes(32).toString('base64')}`;
const NEW = `new:${randomBytes(32).toString('base64')}`;
const ROTATION = { apply: true, batchSize: 1, maxPasses: 5, passPauseMs: 50, progressEveryMs: 0 };

describe('order-fulfillment line licenses bound to their row (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let pg: Pool;
  const old = SecretBox.fromSpec(OLD);

  beforeAll(async () => {
    db = await freshDatabase('line_license_keys');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: fulfillmentMigrations, migrationsRun: true });
    await dataSource.initialize();
    pg = new Pool({ connectionString: db.url, max: 2 });
    for (const [orderId, lineId] of [
      ['o/1', '2'],
      ['o', '1/2'],
      ['ord_v1', '1'],
    ]) {
      await dataSource.query(
        `INSERT INTO orders (order_id, merchant_id, order_paid_event_id, currency, paid_at, test, customer, status)
         VALUES ($1, 'm_acme', $1, 'EUR', now(), false, '{"email":"ann@example.com"}', 'received') ON CONFLICT DO NOTHING`,
        [orderId],
      );
      await dataSource.query(
        `INSERT INTO order_lines (order_id, line_id, position, product_id, item, delivery_rule, license_count, status)
         VALUES ($1, $2, 0, 'p_editor', '{}', 'per_unit', 1, 'allocated')`,
        [orderId, lineId],
      );
    }
  });
  afterAll(async () => {
    await pg.end();
    await dataSource.destroy();
    await db.drop();
  });

  const valuesOf = async (cipher: SecretBox, orderId: string, lineId: string) =>
    (await readLicenses(dataSource.manager, cipher, [orderId])).get(lineKey(orderId, lineId))?.map((l) => l.value);

  it('does not open a value moved to another line, even one whose ids join to the same text', async () => {
    await saveLicenses(dataSource.manager, old, [
      { orderId: 'o/1', lineId: '2', licenses: [{ licenseId: 'lic-1', value: 'AAAA-0001' }] },
      { orderId: 'o', lineId: '1/2', licenses: [{ licenseId: 'lic-1', value: 'BBBB-0002' }] },
    ]);
    expect(await valuesOf(old, 'o/1', '2')).toEqual(['AAAA-0001']);
    await dataSource.query(`UPDATE line_licenses SET value_sealed = (SELECT value_sealed FROM line_licenses WHERE order_id = 'o/1') WHERE order_id = 'o'`);
    await expect(valuesOf(old, 'o', '1/2')).rejects.toThrow();
    await dataSource.query(`DELETE FROM line_licenses WHERE order_id = 'o'`);
  });

  it('reads rows sealed before binding, and the rotation re-encrypts them and old-key rows under the new key', async () => {
    await dataSource.query(`INSERT INTO line_licenses (order_id, line_id, position, license_id, value_sealed) VALUES ('ord_v1', '1', 0, 'lic-v1', $1)`, [
      old.encrypt('V1V1-0003'),
    ]);
    expect(await valuesOf(old, 'ord_v1', '1')).toEqual(['V1V1-0003']);
    expect((await parentOrdersOf(dataSource.manager, old, ['ord_v1'])).get('ord_v1')?.licensesByProduct.get('p_editor')).toEqual([
      { licenseId: 'lic-v1', value: 'V1V1-0003' },
    ]);

    const report = await rotateKeys(pg, SecretBox.fromSpec(`${OLD},${NEW}`, 'new'), FULFILLMENT_SEALED_COLUMNS, ROTATION);
    expect(report).toMatchObject({ complete: true, unusedKeys: ['old'] });
    expect(report.columns.map((c) => [c.column, c.reencrypted])).toEqual([
      ['line_licenses.value_sealed', 2],
      ['outbox.payload', 0],
    ]);

    const newOnly = SecretBox.fromSpec(NEW);
    expect(await valuesOf(newOnly, 'ord_v1', '1')).toEqual(['V1V1-0003']);
    expect(await valuesOf(newOnly, 'o/1', '2')).toEqual(['AAAA-0001']);
    const sealed: { value_sealed: Buffer }[] = await dataSource.query(`SELECT value_sealed FROM line_licenses`);
    expect(sealed.map((r) => [SecretBox.versionOf(r.value_sealed), SecretBox.keyIdOf(r.value_sealed)])).toEqual([
      [2, 'new'],
      [2, 'new'],
    ]);
    const again = await rotateKeys(pg, SecretBox.fromSpec(NEW), FULFILLMENT_SEALED_COLUMNS, ROTATION);
    expect(again.columns.map((c) => c.reencrypted + c.due)).toEqual([0, 0]);
  });
});
