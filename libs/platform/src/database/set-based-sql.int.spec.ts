import { freshDatabase, type TestDatabase } from '@keypool/testing';
import { DataSource } from 'typeorm';
import {
  type LiteralOf,
  type StrictLiteral,
  literalRows,
  quickLiteral,
  sqlLiteral,
  statementsInOneRoundTrip,
  unnestRows,
  updateReturning,
} from './set-based-sql';

// libs/messaging's strictLiteral in miniature (platform cannot import messaging): refuses what escapeLiteral would get wrong.
class Refused extends Error {}
const strict: StrictLiteral = (client, value) => {
  if (typeof value !== 'string') throw new TypeError('not a string');
  if (value.includes('\0')) throw new Refused('NUL');
  return client.escapeLiteral(value);
};

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

describe('unnestRows, updateReturning, literalRows and statementsInOneRoundTrip on real PostgreSQL', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  beforeAll(async () => {
    db = await freshDatabase('unnest_rows');
    dataSource = await new DataSource({ type: 'postgres', url: db.url, logging: false }).initialize();
    await dataSource.query(`CREATE TABLE t (id text PRIMARY KEY, count int, flag boolean NOT NULL, tags text[] NOT NULL, blob bytea, note text)`);
    await dataSource.query(`CREATE TABLE l (id text PRIMARY KEY, blob bytea, at timestamptz, n int)`);
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

  const texts = ['plain', "o'clock", 'back\\slash \\x00', "E'\\'", 'ünïcode ✓', ''];

  it('stores what it was given (quotes, backslashes, bytes, times) in a transaction, each statement its own rows', async () => {
    const rows = texts.map((id, i) => ({ id, blob: i === 1 ? null : Buffer.from([i, 0, 39, 92, 255]), at: new Date(Date.UTC(2026, 11, 1, i)), n: i }));
    const results = await dataSource.transaction((manager) =>
      statementsInOneRoundTrip(manager, strict, (literal) => {
        const u = literalRows(
          rows,
          { id: ['text', (r) => r.id], blob: ['bytea', (r) => r.blob], at: ['timestamptz', (r) => r.at], n: ['int', (r) => r.n] },
          literal,
        );
        return [`INSERT INTO l (${u.columns}) SELECT ${u.columns} FROM ${u.from}`, `SELECT id, blob, at, n FROM l ORDER BY n`, `SELECT ${literal('x')} AS x`];
      }),
    );
    expect(results).toEqual([[], rows, [{ x: 'x' }]]);
  });

  it('runs on a connection of its own outside a transaction, and a refused value sends nothing', async () => {
    expect(
      await statementsInOneRoundTrip(dataSource.manager, strict, (literal) => [`SELECT count(*)::int AS n FROM l WHERE id = ${literal('plain')}`]),
    ).toEqual([[{ n: 1 }]]);
    await expect(statementsInOneRoundTrip(dataSource.manager, strict, (literal) => [`INSERT INTO l (id) VALUES (${literal('a\0b')})`])).rejects.toThrow(
      Refused,
    );
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM l`)).toEqual([{ n: texts.length }]);
  });

  it('reads a number as its column type reads an array parameter: an int column refuses 1.5 instead of rounding it', async () => {
    const ints = (n: number) => (literal: LiteralOf) => {
      const u = literalRows([{ n }], { n: ['int', (r) => r.n] }, literal);
      return [`SELECT n FROM ${u.from}`];
    };
    expect(await statementsInOneRoundTrip(dataSource.manager, strict, ints(-42))).toEqual([[{ n: -42 }]]);
    await expect(statementsInOneRoundTrip(dataSource.manager, strict, ints(1.5))).rejects.toMatchObject({ code: '22P02' });
    await expect(dataSource.query(`SELECT n FROM unnest($1::int[]) AS u(n)`, [[1.5]])).rejects.toMatchObject({ driverError: { code: '22P02' } });
  });

  it('refuses to run statements that need a transaction (requireTransaction) outside one, and runs them inside', async () => {
    const count = (literal: LiteralOf) => [`SELECT count(*)::int AS n FROM l WHERE id = ${literal('plain')}`];
    await expect(statementsInOneRoundTrip(dataSource.manager, strict, count, { requireTransaction: true })).rejects.toThrow(/open transaction/);
    expect(await dataSource.transaction((manager) => statementsInOneRoundTrip(manager, strict, count, { requireTransaction: true }))).toEqual([[{ n: 1 }]]);
  });
});

describe('quickLiteral and sqlLiteral', () => {
  const escaped: unknown[] = [];
  const literal = quickLiteral((value) => {
    escaped.push(value);
    return strict({ escapeLiteral: (v) => `E'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'` }, value);
  });
  beforeEach(() => (escaped.length = 0));

  it('quotes a string with no quote, backslash or NUL as it is, and escapes the rest', () => {
    expect(literal('plain text, "double" quotes and ünïcode')).toBe(`'plain text, "double" quotes and ünïcode'`);
    expect(literal('')).toBe("''");
    expect(escaped).toEqual([]);
    expect(literal("o'clock")).toBe("E'o''clock'");
    expect(literal('a\\b')).toBe("E'a\\\\b'");
    expect(escaped).toEqual(["o'clock", 'a\\b']);
  });

  it('leaves a NUL and a non-string to the strict escape, which refuses them', () => {
    expect(() => literal('a\0b')).toThrow(Refused);
    expect(() => literal(7 as unknown as string)).toThrow(TypeError);
  });

  it('writes a Buffer as decode of its hex and other values as before', () => {
    expect(sqlLiteral(Buffer.from([0, 39, 92, 255]), literal)).toBe("decode('00275cff', 'hex')");
    expect(sqlLiteral(new Date('2026-12-01T00:00:00.000Z'), literal)).toBe("'2026-12-01T00:00:00.000Z'");
    expect([null, undefined, true, false, 1.5].map((v) => sqlLiteral(v, literal))).toEqual(['NULL', 'NULL', 'true', 'false', "'1.5'"]);
    expect(() => sqlLiteral(Infinity, literal)).toThrow('finite');
    expect(escaped).toEqual([]);
  });
});
