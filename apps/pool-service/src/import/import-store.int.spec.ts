import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SecretBox } from '@keypool/platform';
import { TestDatabase, freshDatabase } from '@keypool/testing';
import { licenseValueContext } from '../keys/sealed-columns';
import { poolMigrations } from '../migrations';
import { ImportLicensesHandler } from './import-licenses.handler';
import type { UploadedLine } from './line-reader';

// eslint-disable-next-line @typescript-eslint/require-await -- the reader under test takes an async iterable; these lines are at hand
async function* linesOf(texts: readonly string[]): AsyncGenerator<UploadedLine> {
  for (const [i, text] of texts.entries()) yield { number: i + 1, text };
}

// The import in rounds much smaller than a real one (batches of 3, a round from 4 accepted lines),
// so a file of twenty lines crosses several rounds, and the statement-level pool check that
// replaced license.pool_id's foreign key.
describe('the import stored round by round', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const cipher = new SecretBox(new Map([['k1', randomBytes(32)]]), 'k1');
  const hashKey = randomBytes(32);
  let importer: ImportLicensesHandler;

  const newPool = async (merchantId: string, name: string): Promise<string> =>
    (
      await dataSource.query(`INSERT INTO pool (merchant_id, mode, name, product_id, threshold) VALUES ($1, 'live', $2, $2, 0) RETURNING id`, [
        merchantId,
        name,
      ])
    )[0].id;

  beforeAll(async () => {
    db = await freshDatabase('pool_import_store');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: poolMigrations, migrationsRun: true });
    await dataSource.initialize();
    importer = new ImportLicensesHandler(dataSource, cipher, hashKey, 3, 4);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('skips repeats within a round, across rounds and of stored keys, keeping the first in file order with its line numbers', async () => {
    const merchantId = 'm_rounds';
    const older = await newPool(merchantId, 'older');
    const pool = await newPool(merchantId, 'rounds');
    const before = await importer.import({ poolId: older, merchantId }, linesOf(['OLD-1', 'OLD-2']), { dryRun: false, strict: false });
    expect(before.report).toMatchObject({ added: 2, duplicates: { count: 0 } });

    const file = [
      'K-01', // 1
      'K-02', // 2
      'K-01', // 3 repeat within the first round
      'OLD-1', // 4 stored in another pool
      '', // 5 blank
      'K-03', // 6
      'K-04', // 7
      'K-02', // 8 repeat of an earlier round
      'K-05', // 9
      'bad\u0001key', // 10 rejected
      'K-06', // 11
      'K-07', // 12
      'K-08', // 13
      'K-05', // 14
      'K-09', // 15
      'OLD-2', // 16
      'K-10', // 17
      'K-11', // 18
      'K-10', // 19 repeat within the last round
      'K-12', // 20
    ];
    const { report, committed } = await importer.import({ poolId: pool, merchantId }, linesOf(file), { dryRun: false, strict: false });
    expect(committed).toBe(true);
    expect(report).toMatchObject({
      added: 12,
      duplicates: { count: 6, lines: [3, 4, 8, 14, 16, 19] },
      blank: 1,
      rejected: { count: 1, lines: [{ line: 10 }] },
    });
    const rows: { id: string; value: Buffer }[] = await dataSource.query(`SELECT id, value FROM license WHERE pool_id = $1 ORDER BY seq`, [pool]);
    expect(rows.map((row) => cipher.decryptText(row.value, licenseValueContext(row.id)))).toEqual(
      Array.from({ length: 12 }, (_, i) => `K-${String(i + 1).padStart(2, '0')}`),
    );
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM license WHERE merchant_id = $1`, [merchantId]);
    expect(n).toBe(14);
  });

  it('rolls every round back for a dry run', async () => {
    const pool = await newPool('m_dry', 'dry');
    const file = Array.from({ length: 15 }, (_, i) => `DRY-${i % 10}`);
    const { report, committed } = await importer.import({ poolId: pool, merchantId: 'm_dry' }, linesOf(file), { dryRun: true, strict: false });
    expect(committed).toBe(false);
    expect(report).toMatchObject({ added: 10, duplicates: { count: 5, lines: [11, 12, 13, 14, 15] } });
    expect((await dataSource.query(`SELECT count(*)::int AS n FROM license WHERE pool_id = $1`, [pool]))[0].n).toBe(0);
  });

  it('refuses a license of a pool that does not exist, and the deletion of a pool that has licenses', async () => {
    const insert = (poolId: string) =>
      dataSource.query(`INSERT INTO license (pool_id, merchant_id, value_hash, value) VALUES ($1, 'm_fk', $2, $3)`, [poolId, randomBytes(32), randomBytes(40)]);
    await expect(insert(randomUUID())).rejects.toMatchObject({ code: '23503' });
    const pool = await newPool('m_fk', 'fk');
    await insert(pool);
    await expect(dataSource.query(`DELETE FROM pool WHERE id = $1`, [pool])).rejects.toMatchObject({ code: '23503' });
    const other = await newPool('m_fk', 'other');
    const [license] = await dataSource.query(`SELECT id FROM license WHERE pool_id = $1`, [pool]);
    await expect(dataSource.query(`UPDATE license SET pool_id = $2 WHERE id = $1`, [license.id, randomUUID()])).rejects.toMatchObject({ code: '23503' });
    await dataSource.query(`UPDATE license SET pool_id = $2 WHERE id = $1`, [license.id, other]);
    await dataSource.query(`DELETE FROM pool WHERE id = $1`, [pool]);
    expect((await dataSource.query(`SELECT count(*)::int AS n FROM pool WHERE id = $1`, [pool]))[0].n).toBe(0);
  });

  it('refuses TRUNCATE pool CASCADE while licenses exist (the foreign key refused it; CASCADE no longer reaches license)', async () => {
    const pool = await newPool('m_fk', 'truncate');
    await dataSource.query(`INSERT INTO license (pool_id, merchant_id, value_hash, value) VALUES ($1, 'm_fk', $2, $3)`, [
      pool,
      randomBytes(32),
      randomBytes(40),
    ]);
    await expect(dataSource.query(`TRUNCATE pool CASCADE`)).rejects.toMatchObject({ code: '23503' });
    expect((await dataSource.query(`SELECT count(*)::int AS n FROM pool WHERE id = $1`, [pool]))[0].n).toBe(1);
  });
});
