import { literalRows, quickLiteral } from './set-based-sql';

const refuse = (value: unknown): string => {
  throw new TypeError(`refused ${String(value)}`);
};
const literal = quickLiteral((value) => (typeof value === 'string' && !value.includes('\0') ? `E'${value.replace(/'/g, "''")}'` : refuse(value)));

describe('literalRows', () => {
  it('spells one typed ARRAY of literals per column, in column then row order', () => {
    const rows = [
      { id: 'a', n: 1, ok: true, at: new Date('2026-11-30T12:00:00.000Z'), raw: Buffer.from([0, 255]) },
      { id: "o'b", n: 2.5, ok: false, at: null, raw: null },
    ];
    const u = literalRows(
      rows,
      { id: ['text', (r) => r.id], n: ['numeric', (r) => r.n], ok: ['boolean', (r) => r.ok], at: ['timestamptz', (r) => r.at], raw: ['bytea', (r) => r.raw] },
      literal,
      { alias: 'r' },
    );
    expect(u.columns).toBe('id, n, ok, at, raw');
    expect(u.from).toBe(
      "unnest(ARRAY['a', E'o''b']::text[], ARRAY['1', '2.5']::numeric[], ARRAY[true, false]::boolean[], " +
        "ARRAY['2026-11-30T12:00:00.000Z', NULL]::timestamptz[], ARRAY[decode('00ff', 'hex'), NULL]::bytea[]) AS r(id, n, ok, at, raw)",
    );
  });

  it('spells empty arrays for no rows, and a single column without separators', () => {
    expect(literalRows([], { id: ['text', (r: string) => r] }, literal).from).toBe('unnest(ARRAY[]::text[]) AS u(id)');
    expect(literalRows(['x'], { id: ['text', (r: string) => r] }, literal).from).toBe("unnest(ARRAY['x']::text[]) AS u(id)");
  });

  it('lets a refused value or a non-finite number stop the statement', () => {
    expect(() => literalRows(['ok', 'nul\0'], { id: ['text', (r: string) => r] }, literal)).toThrow(/refused/);
    expect(() => literalRows([Infinity], { n: ['float8', (r: number) => r] }, literal)).toThrow(/finite number/);
    expect(() => literalRows([{}], { o: ['jsonb', (r: object) => r] }, literal)).toThrow(/no SQL literal/);
  });
});
