import type { EntityManager } from 'typeorm';

/** One column of a set-based insert: its name, its PostgreSQL type and how to read it off a row. */
export type UnnestColumn<R> = readonly [type: string, pick: (row: R) => unknown];

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const TYPE = /^[a-z_][a-z0-9_ ]*$/;

/**
 * Many rows in one statement, one array parameter per column, without numbering `$1…$N` by hand:
 *
 * ```ts
 * const u = unnestRows(records, { event_id: ['text', (r) => r.eventId], permanent: ['boolean', (r) => r.permanent] });
 * await manager.query(`INSERT INTO deliveries (event_id, permanent) SELECT u.event_id, u.permanent FROM ${u.from}`, u.parameters);
 * ```
 *
 * `from` is `unnest($1::text[], $2::boolean[]) AS u(event_id, permanent)`; `columns` lists the
 * alias's columns in order, for an INSERT's column list. Parameters start at `$first` (default 1)
 * when the statement has others before them. Names and types are code, never input: both are
 * checked against plain identifiers.
 */
export function unnestRows<R>(
  rows: readonly R[],
  columns: Record<string, UnnestColumn<R>>,
  options: { alias?: string; first?: number } = {},
): { from: string; parameters: unknown[][]; columns: string } {
  const alias = options.alias ?? 'u';
  const first = options.first ?? 1;
  const entries = Object.entries(columns);
  if (entries.length === 0) throw new Error('unnestRows needs at least one column');
  for (const name of [alias, ...entries.map(([n]) => n)]) if (!IDENTIFIER.test(name)) throw new Error(`unnestRows: "${name}" is not a plain identifier`);
  for (const [name, [type]] of entries) if (!TYPE.test(type)) throw new Error(`unnestRows: column ${name} has type "${type}", not a plain type name`);
  const names = entries.map(([name]) => name).join(', ');
  const arrays = entries.map(([, [type]], i) => `$${first + i}::${type}[]`).join(', ');
  return {
    from: `unnest(${arrays}) AS ${alias}(${names})`,
    parameters: entries.map(([, [, pick]]) => rows.map(pick)),
    columns: names,
  };
}

/** Rows an UPDATE … RETURNING gave back (TypeORM's postgres driver answers `[rows, count]` for an UPDATE). */
export async function updateReturning<T>(manager: EntityManager, sql: string, parameters: unknown[]): Promise<T[]> {
  const [rows] = await manager.query<[T[], number]>(sql, parameters);
  return rows;
}

/** Escapes a string as an SQL literal (refusing what it cannot hold: see quickLiteral). */
export type LiteralOf = (value: string) => string;

/** The part of node-postgres' client used here: a query without parameters goes by the simple protocol, several statements in one round trip. */
export interface SimpleProtocolClient {
  query(text: string): Promise<{ rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[]>;
  escapeLiteral(value: string): string;
}

/**
 * The driver's escapeLiteral refusing what it would get wrong: libs/messaging's strictLiteral, which
 * refuses a non-string (TypeError) and a NUL (its PermanentFailure, which the consumer dead-letters
 * without retries). The platform cannot import messaging, so the helpers here take it as an argument.
 */
export type StrictLiteral = (client: Pick<SimpleProtocolClient, 'escapeLiteral'>, value: unknown) => string;

const PLAIN = /^[^'\\\0]*$/;

/**
 * A literal for `value` without per-character work when it can: a string with no quote, backslash or
 * NUL needs only the quotes around it (what escapeLiteral would give, which copies a string a
 * character at a time: about 50 µs for a sealed request in hex); anything else goes to `strict`.
 */
export function quickLiteral(strict: (value: unknown) => string): LiteralOf {
  return (value) => (typeof value === 'string' && PLAIN.test(value) ? `'${value}'` : strict(value));
}

/**
 * Sends statements built of literals (quickLiteral over `strict`) in one round trip (the simple
 * protocol), in the transaction `manager` runs in (or on a connection of its own outside one), and
 * returns each statement's rows in order. Each statement takes its own snapshot, so a statement sent
 * after one that takes locks sees what the locks waited for, which a CTE of the locking statement
 * would not: that is what lets "lock, then read" be one round trip.
 */
export async function statementsInOneRoundTrip(
  manager: EntityManager,
  strict: StrictLiteral,
  build: (literal: LiteralOf) => string[],
  /** Statements that take locks need the caller's transaction: outside one, their locks would end with each statement. */
  options: { requireTransaction?: boolean } = {},
): Promise<Record<string, unknown>[][]> {
  if (options.requireTransaction && !manager.queryRunner?.isTransactionActive)
    throw new Error('statementsInOneRoundTrip: these statements take locks and need the manager of an open transaction');
  const own = manager.queryRunner ? undefined : manager.connection.createQueryRunner();
  const runner = manager.queryRunner ?? own!;
  try {
    const client = (await runner.connect()) as SimpleProtocolClient;
    const result = await client.query(build(quickLiteral((value) => strict(client, value))).join(';\n'));
    return (Array.isArray(result) ? result : [result]).map((r) => r.rows);
  } finally {
    await own?.release();
  }
}

/**
 * unnestRows for a statement sent without parameters (the simple protocol, which lets several
 * statements share one round trip): each column an `ARRAY[…]::type[]` of escaped literals.
 * Values are strings, finite numbers, booleans, Dates, Buffers (bytea, as decode of their hex) or null.
 */
export function literalRows<R>(
  rows: readonly R[],
  columns: Record<string, UnnestColumn<R>>,
  literal: LiteralOf,
  options: { alias?: string } = {},
): { from: string; columns: string } {
  const alias = options.alias ?? 'u';
  const entries = Object.entries(columns);
  if (entries.length === 0) throw new Error('literalRows needs at least one column');
  for (const name of [alias, ...entries.map(([n]) => n)]) if (!IDENTIFIER.test(name)) throw new Error(`literalRows: "${name}" is not a plain identifier`);
  for (const [name, [type]] of entries) if (!TYPE.test(type)) throw new Error(`literalRows: column ${name} has type "${type}", not a plain type name`);
  const names = entries.map(([name]) => name).join(', ');
  // Appended with + rather than mapped and joined: join copies its parts into a new flat string
  // at each level (each column, the columns, then the statements), where + only links them; the
  // text is copied once, when the statement goes out. That was most of this helper's time and
  // allocation for a batch of sealed requests in hex.
  let arrays = '';
  for (const [, [type, pick]] of entries) {
    arrays += arrays === '' ? 'ARRAY[' : ', ARRAY[';
    for (let i = 0; i < rows.length; i++) arrays += (i === 0 ? '' : ', ') + sqlLiteral(pick(rows[i]), literal);
    arrays += `]::${type}[]`;
  }
  return { from: `unnest(${arrays}) AS ${alias}(${names})`, columns: names };
}

/** One value as an SQL literal: see literalRows. A Buffer is decode('<hex>', 'hex'), a bytea without escaping. */
export function sqlLiteral(value: unknown, literal: LiteralOf): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return literal(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`an SQL literal must be a finite number, not ${value}`);
    // Quoted, so the column type's own input function reads it, as it reads an array parameter's
    // element: '1.5'::int is refused (22P02), where a bare 1.5 would be rounded into an int column.
    return literal(String(value));
  }
  if (value instanceof Date) return literal(value.toISOString());
  if (Buffer.isBuffer(value)) return `decode('${value.toString('hex')}', 'hex')`;
  throw new TypeError(`no SQL literal for a ${typeof value}`);
}

/**
 * One parameterised statement made of parts that each bring their parameters (unnestRows with
 * the next free `$n`), e.g. a data-modifying CTE whose members each read their own rows.
 */
export class StatementParameters {
  readonly values: unknown[] = [];

  /** A `$n` for one value. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** unnestRows numbered after the parameters so far. */
  rows<R>(rows: readonly R[], columns: Record<string, UnnestColumn<R>>, alias: string): { from: string; columns: string } {
    const u = unnestRows(rows, columns, { alias, first: this.values.length + 1 });
    this.values.push(...u.parameters);
    return u;
  }
}
