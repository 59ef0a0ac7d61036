import type { Pool, PoolClient } from 'pg';
import type { SealedColumn } from './sealed-column';
import { SecretBox, UnknownKeyIdError } from './secret-box';

export interface KeyRotationOptions {
  /** false: only count what a rotation would re-encrypt. */
  apply: boolean;
  /** Rows re-encrypted per transaction. */
  batchSize: number;
  /** Passes over a column while rows it skipped (locked by a running service) are left. */
  maxPasses: number;
  passPauseMs: number;
  /** At most one progress report per column this often (and one when the column is done). */
  progressEveryMs: number;
  onProgress?: (progress: ColumnProgress) => void;
}

export const DEFAULT_ROTATION: Omit<KeyRotationOptions, 'apply'> = { batchSize: 500, maxPasses: 20, passPauseMs: 250, progressEveryMs: 1000 };

export interface ColumnProgress {
  column: string;
  done: number;
  /** Rows still to do, from the count taken when the column started. */
  left: number;
  rowsPerSecond: number;
  final: boolean;
}

/** How many of a column's values each key id (and format version) seals. */
export interface KeyUse {
  keyId: string;
  version: number;
  rows: number;
}

export interface ColumnReport {
  column: string;
  reencrypted: number;
  /** Rows not sealed as v2 under the active key, counted after the run. */
  due: number;
  /** Rows that would not open (tampered, or moved from another row), by primary key; never values. */
  unreadable: string[];
  keys: KeyUse[];
  seconds: number;
}

export interface RotationReport {
  activeKey: string;
  applied: boolean;
  columns: ColumnReport[];
  /** Configured key ids no sealed value uses any more: they can leave DATA_ENCRYPTION_KEYS. */
  unusedKeys: string[];
  /** Nothing is left to re-encrypt. */
  complete: boolean;
}

interface PreparedColumn {
  spec: SealedColumn;
  name: string;
  typeOf: Map<string, string>;
  guardKeyType?: string;
}

type Row = Record<string, string>;

const SEALED = '__sealed';
const GUARD = '__guard';

/**
 * Re-encrypts every sealed value not yet in format v2 under the active key, bound to its row,
 * in short transactions that never wait for a running service: rows (and guards) it cannot lock
 * at once are skipped and taken on a later pass. Walks each table by primary key (keyset), so it
 * resumes anywhere and a second run finds nothing to do.
 */
export async function rotateKeys(pool: Pool, cipher: SecretBox, columns: readonly SealedColumn[], options: KeyRotationOptions): Promise<RotationReport> {
  const prepared = [];
  for (const spec of columns) prepared.push(await prepare(pool, spec));
  const reports: ColumnReport[] = [];
  for (const column of prepared) {
    const started = Date.now();
    const outcome = options.apply ? await rotateColumn(pool, cipher, column, options) : { reencrypted: 0, unreadable: [] };
    const keys = await keyUse(pool, column);
    const due = await countDue(pool, column, cipher.activeKey);
    reports.push({ column: column.name, ...outcome, due, keys, seconds: (Date.now() - started) / 1000 });
  }
  const used = new Set(reports.flatMap((r) => r.keys.map((k) => k.keyId)));
  return {
    activeKey: cipher.activeKey,
    applied: options.apply,
    columns: reports,
    unusedKeys: cipher.keyIds.filter((id) => id !== cipher.activeKey && !used.has(id)),
    complete: reports.every((r) => r.due === 0),
  };
}

async function prepare(pool: Pool, spec: SealedColumn): Promise<PreparedColumn> {
  const name = `${spec.table}.${spec.column}`;
  const typeOf = await columnTypes(pool, spec.table);
  if (typeOf.size === 0) throw new Error(`table ${spec.table} does not exist: start the service once so that its migrations run`);
  for (const column of [spec.column, ...spec.key, ...spec.identity, ...(spec.guard ? [spec.guard.column] : [])]) {
    if (!typeOf.has(column)) throw new Error(`${name}: table ${spec.table} has no column ${column}`);
  }
  if (typeOf.get(spec.column) !== 'bytea') throw new Error(`${name} is not a bytea column`);
  const guardKeyType = spec.guard ? (await columnTypes(pool, spec.guard.table)).get(spec.guard.key) : undefined;
  if (spec.guard && !guardKeyType) throw new Error(`${name}: its guard ${spec.guard.table}.${spec.guard.key} does not exist`);
  return { spec, name, typeOf, guardKeyType };
}

async function columnTypes(pool: Pool, table: string): Promise<Map<string, string>> {
  const { rows } = await pool.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
    [ident(table)],
  );
  return new Map(rows.map((r) => [r.name, r.type]));
}

async function rotateColumn(pool: Pool, cipher: SecretBox, column: PreparedColumn, options: KeyRotationOptions) {
  const total = await countDue(pool, column, cipher.activeKey);
  const started = Date.now();
  let reencrypted = 0;
  let lastReport = 0;
  const unreadable = new Map<string, string>();
  const report = (final: boolean) => {
    const now = Date.now();
    if (!final && now - lastReport < options.progressEveryMs) return;
    lastReport = now;
    const rowsPerSecond = Math.round(reencrypted / Math.max((now - started) / 1000, 0.001));
    options.onProgress?.({ column: column.name, done: reencrypted, left: Math.max(total - reencrypted, 0), rowsPerSecond, final });
  };
  for (let pass = 1; pass <= options.maxPasses; pass++) {
    let cursor: Row | undefined;
    let skipped = 0;
    for (;;) {
      const batch = await inTransaction(pool, (client) => rotateBatch(client, cipher, column, cursor, options.batchSize));
      if (!batch) break;
      cursor = batch.last;
      reencrypted += batch.reencrypted;
      skipped += batch.skipped;
      batch.unreadable.forEach((row) => unreadable.set(row, row));
      report(false);
    }
    if (skipped === 0) break;
    await new Promise((resolve) => setTimeout(resolve, options.passPauseMs));
  }
  report(true);
  return { reencrypted, unreadable: [...unreadable.values()] };
}

interface BatchOutcome {
  last: Row;
  reencrypted: number;
  skipped: number;
  unreadable: string[];
}

async function rotateBatch(
  client: PoolClient,
  cipher: SecretBox,
  column: PreparedColumn,
  cursor: Row | undefined,
  limit: number,
): Promise<BatchOutcome | undefined> {
  const { spec } = column;
  const active = Buffer.from(cipher.activeKey, 'utf8');
  const after = cursor ? keyset(column, '>', 2) : 'true';
  const candidates = await client.query<Row>(
    `SELECT ${spec.key.map((k) => `${ident(k)}::text AS ${ident(k)}`).join(', ')}${spec.guard ? `, ${ident(spec.guard.column)}::text AS ${GUARD}` : ''}
       FROM ${ident(spec.table)} WHERE ${due(spec.column)} AND ${after}
      ORDER BY ${spec.key.map(ident).join(', ')} LIMIT ${Number(limit)}`,
    [active, ...(cursor ? spec.key.map((k) => cursor[k]) : [])],
  );
  if (candidates.rows.length === 0) return undefined;
  const last = candidates.rows[candidates.rows.length - 1];
  const params: unknown[] = [active, ...spec.key.map((k) => last[k]), ...(cursor ? spec.key.map((k) => cursor[k]) : [])];
  let guarded = '';
  if (spec.guard) {
    const guards = await client.query<{ id: string }>(
      `SELECT ${ident(spec.guard.key)}::text AS id FROM ${ident(spec.guard.table)} WHERE ${ident(spec.guard.key)} = ANY($1::${column.guardKeyType}[])
        ORDER BY ${ident(spec.guard.key)} FOR NO KEY UPDATE SKIP LOCKED`,
      [[...new Set(candidates.rows.map((r) => r[GUARD]).filter((g) => g !== null))]],
    );
    params.push(guards.rows.map((g) => g.id));
    guarded = `AND ${ident(spec.guard.column)} = ANY($${params.length}::${column.guardKeyType}[])`;
  }
  const readable = [...new Set([...spec.key, ...spec.identity])];
  const locked = await client.query<Row & { [SEALED]: Buffer }>(
    `SELECT ${readable.map((c) => `${ident(c)}::text AS ${ident(c)}`).join(', ')}, ${ident(spec.column)} AS ${SEALED}
       FROM ${ident(spec.table)}
      WHERE ${due(spec.column)} AND ${keyset(column, '<=', 2)} ${cursor ? `AND ${keyset(column, '>', 2 + spec.key.length)}` : ''} ${guarded}
      ORDER BY ${spec.key.map(ident).join(', ')} FOR UPDATE SKIP LOCKED`,
    params,
  );
  const resealed: { row: Row; sealed: Buffer }[] = [];
  const unreadable: string[] = [];
  for (const row of locked.rows) {
    const context = spec.context(row);
    let plaintext: Buffer;
    try {
      plaintext = cipher.decrypt(row[SEALED], context);
    } catch (error) {
      if (error instanceof UnknownKeyIdError) {
        throw new Error(`${column.name} has values sealed with key "${error.keyId}", which DATA_ENCRYPTION_KEYS lacks: add it and run again`);
      }
      unreadable.push(spec.key.map((k) => `${k}=${row[k]}`).join(' '));
      continue;
    }
    resealed.push({ row, sealed: cipher.encrypt(plaintext, context) });
  }
  if (resealed.length > 0) {
    const names = [...spec.key.map(ident), SEALED];
    await client.query(
      `UPDATE ${ident(spec.table)} t SET ${ident(spec.column)} = u.${SEALED}
         FROM unnest(${spec.key.map((k, i) => `$${i + 1}::${column.typeOf.get(k)}[]`).join(', ')}, $${spec.key.length + 1}::bytea[]) AS u(${names.join(', ')})
        WHERE ${spec.key.map((k) => `t.${ident(k)} = u.${ident(k)}`).join(' AND ')}`,
      [...spec.key.map((k) => resealed.map((r) => r.row[k])), resealed.map((r) => r.sealed)],
    );
  }
  return { last, reencrypted: resealed.length, skipped: candidates.rows.length - locked.rows.length, unreadable };
}

/** `(k1, k2) <op> ($n::t1, $n+1::t2)`: a position in primary-key order. */
function keyset(column: PreparedColumn, op: '>' | '<=', firstParam: number): string {
  const keys = column.spec.key;
  return `(${keys.map(ident).join(', ')}) ${op} (${keys.map((k, i) => `$${firstParam + i}::${column.typeOf.get(k)}`).join(', ')})`;
}

/** Not (format v2 under the active key, passed as $1): what a rotation re-encrypts. */
function due(column: string): string {
  const c = ident(column);
  return `(${c} IS NOT NULL AND (length(${c}) < 2 OR get_byte(${c}, 0) <> 2 OR substring(${c} FROM 3 FOR get_byte(${c}, 1)) <> $1::bytea))`;
}

async function countDue(pool: Pool, column: PreparedColumn, activeKey: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(column.spec.table)} WHERE ${due(column.spec.column)}`, [
    Buffer.from(activeKey, 'utf8'),
  ]);
  return rows[0].n;
}

async function keyUse(pool: Pool, column: PreparedColumn): Promise<KeyUse[]> {
  const c = ident(column.spec.column);
  const { rows } = await pool.query<{ key_id: string; version: number; rows: number }>(
    `SELECT encode(substring(${c} FROM 3 FOR get_byte(${c}, 1)), 'escape') AS key_id, get_byte(${c}, 0) AS version, count(*)::int AS rows
       FROM ${ident(column.spec.table)} WHERE ${c} IS NOT NULL AND length(${c}) >= 2 GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ keyId: r.key_id, version: r.version, rows: r.rows }));
}

async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Never queue behind a service for long: every lock here is taken with SKIP LOCKED anyway.
    await client.query(`SET LOCAL lock_timeout = '5s'`);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
