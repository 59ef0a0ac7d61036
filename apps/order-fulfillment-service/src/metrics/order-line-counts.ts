import type { EntityManager } from 'typeorm';
import { LineStatus, lineStatuses } from '../orders/line-status';

/** Any constant of this service's own; held only for the length of one statement. */
const FOLD_LOCK = 0x6b6c6f63; // 'kloc'

/**
 * Order lines per status from the running totals of order_line_counts (migration
 * 1766717000000): the cost is that of a few dozen rows however many lines were ever sold. In
 * the same statement, the rows of connections that have ended are folded into slot 0 (one
 * scraper at a time; another skips the fold). The sums are read from the statement's snapshot,
 * taken before the fold, so the fold never shows a figure twice or not at all.
 */
export async function countOrderLines(manager: EntityManager): Promise<Record<LineStatus, number>> {
  const rows: { status: string; lines: string }[] = await manager.query(
    `WITH fold AS (SELECT pg_try_advisory_xact_lock($1) AS ok),
          ended AS (
            DELETE FROM order_line_counts c USING fold
             WHERE fold.ok AND c.slot <> 0 AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = c.slot)
            RETURNING c.status, c.lines),
          folded AS (
            INSERT INTO order_line_counts (status, slot, lines)
            SELECT status, 0, sum(lines) FROM ended GROUP BY status
            ON CONFLICT (status, slot) DO UPDATE SET lines = order_line_counts.lines + EXCLUDED.lines)
     SELECT status, sum(lines)::text AS lines FROM order_line_counts GROUP BY status`,
    [FOLD_LOCK],
  );
  const counts = Object.fromEntries(lineStatuses.map((s) => [s, 0])) as Record<LineStatus, number>;
  for (const r of rows) if ((lineStatuses as readonly string[]).includes(r.status)) counts[r.status as LineStatus] = Number(r.lines);
  return counts;
}
