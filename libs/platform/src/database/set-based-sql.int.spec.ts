import { freshDatabase, type TestDatabase } from '@keypool/testing';
import { DataSource } from 'typeorm';
import { unnestRows, updateReturning } from './set-based-sql';

interface Row {
  id: string;
  count: number | null;
  flag: boolean;
  tags: string[];
  blob: Buffer | null;
}

describe('unnestRows', () => {
  it('numbers one typed array parameter per column, from $1 or the first one given', () => {
    const rows = [
      { a: 'x', b: 1 },
      { a: 'y', b: 2 },
    ];
    expect(unnestRows(rows, { a: ['text', (r) => r.a], b: ['int', (r) => r.b] })).toEqual({
      from: 'unnest($1::text[], $2::int[]) AS u(a, b)',
      parameters: [
        ['x', 'y'],
        [1, 2],
      ],
      columns: 'a, b',
    });
    expect(unnestRows(rows, { b: ['bigint', (r) => r.b] }, { alias: 'v', first: 3 }).from).toBe('unnest($3::bigint[]) AS v(b)');
  });

  it('refuses a column name or type that is not a plain identifier', () => {
    expect(() => unnestRows([{}], { 'a; DROP TABLE x': ['text', () => 1] })).toThrow('not a plain identifier');
    expect(() => unnestRows([{}], { a: ['text[]); --', () => 1] })).toThrow('not a plain type name');
    expect(() => unnestRows([{}], {})).toThrow('at least one column');
  });
});

describe('unnestRows and updateReturning on real PostgreSQL', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    db = await freshDatabase('unnest_rows');
    dataSource = await new DataSource({ type: 'postgres', url: db.url, logging: false }).initialize();
    await dataSource.query(`CREATE TABLE t (id text PRIMARY KEY, count int, flag boolean NOT NULL, tags text[] NOT NULL, blob bytea, note text)`);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('inserts every row in one statement with its types, nulls included, after a parameter of its own', async () => {
    const rows: Row[] = [
      { id: 'a', count: 1, flag: true, tags: ['x', 'y'], blob: Buffer.from([0, 255]) },
      { id: 'b', count: null, flag: false, tags: [], blob: null },
    ];
    const u = unnestRows(
      rows,
      {
        id: ['text', (r) => r.id],
        count: ['int', (r) => r.count],
        flag: ['boolean', (r) => r.flag],
        // Arrays of arrays must be rectangular in PostgreSQL: ragged lists travel as JSON.
        tags: ['text', (r) => JSON.stringify(r.tags)],
        blob: ['bytea', (r) => r.blob],
      },
      { first: 2 },
    );
    await dataSource.query(
      `INSERT INTO t (${u.columns}, note)
       SELECT u.id, u.count, u.flag, ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)), u.blob, $1 FROM ${u.from}`,
      ['batch', ...u.parameters],
    );
    const stored = await dataSource.query(`SELECT id, count, flag, tags, blob, note FROM t ORDER BY id`);
    expect(stored).toEqual([
      { id: 'a', count: 1, flag: true, tags: ['x', 'y'], blob: Buffer.from([0, 255]), note: 'batch' },
      { id: 'b', count: null, flag: false, tags: [], blob: null, note: 'batch' },
    ]);
  });

  it('gives the rows an UPDATE … RETURNING returned', async () => {
    const updated = await updateReturning<{ id: string }>(dataSource.manager, `UPDATE t SET note = $1 WHERE flag RETURNING id`, ['seen']);
    expect(updated).toEqual([{ id: 'a' }]);
    expect(await updateReturning(dataSource.manager, `UPDATE t SET note = 'x' WHERE false RETURNING id`, [])).toEqual([]);
  });
});
