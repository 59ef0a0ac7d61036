/**
 * A table whose rows go once they are older than a retention. Two ways to find old rows, both
 * without scanning the table:
 * - `index`: an index on `timeColumn` (the inbox's, the outbox's partial one on published_at);
 * - `key`: a serial primary key that grows with `timeColumn`, walked from its oldest end, so
 *   append-only history needs no index of its own (each would cost every insert on a hot path).
 *   The walk stops at the first batch without an old row; an old row further on, behind a whole
 *   batch of young ones, waits until they age.
 */
export interface RetentionTable {
  table: string;
  timeColumn: string;
  retentionMs: number;
  find: { by: 'index' } | { by: 'key'; key: string };
  /** What else a row must meet to go, in SQL over the table's own columns (e.g. a final status); `$1` is the cutoff time. */
  also?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Table and column names are put into SQL as they are: only plain lower-case identifiers pass. */
export function checkRetentionTable(table: RetentionTable): RetentionTable {
  const names = [table.table, table.timeColumn, ...(table.find.by === 'key' ? [table.find.key] : [])];
  const bad = names.find((name) => !IDENTIFIER.test(name));
  if (bad !== undefined) throw new Error(`retention: ${JSON.stringify(bad)} is not a plain table or column name`);
  if (!Number.isFinite(table.retentionMs) || table.retentionMs < 0) throw new Error(`retention of ${table.table} must be a duration >= 0`);
  return table;
}

/** One statement deleting at most $2 rows older than $1 (a timestamptz); the key walk resumes after $3. */
export function pruneStatement(table: RetentionTable): string {
  const also = table.also ? ` AND (${table.also})` : '';
  const { table: t, timeColumn: at } = table;
  if (table.find.by === 'index') {
    // SKIP LOCKED: a row a hot path holds (a redelivery re-claiming it) is left for the next run.
    return `WITH gone AS (
        DELETE FROM ${t} WHERE ctid = ANY(ARRAY(
          SELECT ctid FROM ${t} WHERE ${at} < $1${also} LIMIT $2 FOR UPDATE SKIP LOCKED))
        RETURNING 1)
      SELECT (SELECT count(*) FROM gone)::int AS deleted, NULL::text AS last, true AS any_aged, 0 AS scanned`;
  }
  const key = table.find.key;
  // The head is read without locks, so young rows (which the hot paths update) are never held.
  return `WITH head AS (
        SELECT ${key} AS k, ${at} < $1 AS aged FROM ${t} WHERE ${key} > $3::bigint ORDER BY ${key} LIMIT $2),
      doomed AS (
        SELECT ${key} FROM ${t} WHERE ${key} = ANY(ARRAY(SELECT k FROM head WHERE aged)) AND ${at} < $1${also}
        FOR UPDATE SKIP LOCKED),
      gone AS (DELETE FROM ${t} WHERE ${key} IN (SELECT ${key} FROM doomed) RETURNING 1)
    SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT max(k) FROM head)::text AS last,
           EXISTS (SELECT 1 FROM head WHERE aged) AS any_aged, (SELECT count(*) FROM head)::int AS scanned`;
}
