import type { EntityManager } from 'typeorm';
import { PermanentFailure, strictLiteral } from '@keypool/messaging';
import { type LiteralOf, type UnnestColumn, literalRows, statementsInOneRoundTrip, unnestRows } from '@keypool/platform';
import { LineOutcome, LineState, LineStatus, OrderStatus, nextLineState } from './line-status';
import { LockedOrder, lineKey } from './order-locks';

export interface LineOutcomeEvent {
  orderId: string;
  lineId: string;
  eventId: string;
  outcome: LineOutcome;
}

export interface ChangedLine {
  orderId: string;
  lineId: string;
  status: LineStatus;
}

/** A changed line with the status it had before the chunk. */
export interface LineTransition extends ChangedLine {
  previous: LineStatus;
}

export interface StatusChange {
  orderId: string;
  lineId: string | null;
  status: string;
  reason: string | null;
  eventId: string | null;
}

/** The chunk's orders, locked, and the state of the lines it names, read under those locks. */
export interface LockedLines {
  orders: Map<string, LockedOrder>;
  states: Map<string, LineState>;
}

/**
 * Locks the orders a chunk touches (as lockOrders does: sorted, FOR UPDATE) and reads the named
 * lines, in one round trip: the read is a statement of its own after the lock, so it sees every
 * change committed by the chunk the lock waited for.
 */
export async function lockOrdersAndReadLines(manager: EntityManager, orderIds: string[], lines: { orderId: string; lineId: string }[]): Promise<LockedLines> {
  const ids = [...new Set(orderIds)].sort();
  if (ids.length === 0) return { orders: new Map(), states: new Map() };
  const [orders, states] = (await statementsInOneRoundTrip(
    manager,
    strictLiteral,
    (literal) => {
      const k = literalRows(lines, { order_id: ['text', (l) => l.orderId], line_id: ['text', (l) => l.lineId] }, literal, { alias: 'k' });
      return [
        `SELECT order_id, merchant_id, status FROM orders WHERE order_id = ANY(ARRAY[${ids.map(literal).join(', ')}]::text[]) ORDER BY order_id FOR UPDATE`,
        `SELECT l.order_id, l.line_id, l.status, l.status_reason FROM order_lines l JOIN ${k.from} ON l.order_id = k.order_id AND l.line_id = k.line_id`,
      ];
    },
    { requireTransaction: true },
  )) as [
    { order_id: string; merchant_id: string; status: OrderStatus }[],
    { order_id: string; line_id: string; status: LineStatus; status_reason: string | null }[],
  ];
  return {
    orders: new Map(orders.map((r) => [r.order_id, { orderId: r.order_id, merchantId: r.merchant_id, status: r.status }])),
    states: new Map(states.map((r) => [lineKey(r.order_id, r.line_id), { status: r.status, reason: r.status_reason }])),
  };
}

/** What a chunk's outcomes do to its lines: the final state of each changed line, and one history row per change. */
export interface FoldedOutcomes {
  changed: (LineTransition & LineState)[];
  history: StatusChange[];
}

/**
 * Folds the chunk's outcomes over the lines' states in arrival order. A chunk naming a line this
 * service never stored is refused (see refuseUnknown), naming `eventType`.
 */
export function foldLineOutcomes(states: Map<string, LineState>, eventType: string, events: LineOutcomeEvent[]): FoldedOutcomes {
  const current = new Map(states);
  const history: StatusChange[] = [];
  const unknown: LineOutcomeEvent[] = [];
  const touched = new Set<string>();
  for (const event of events) {
    const key = lineKey(event.orderId, event.lineId);
    const state = current.get(key);
    if (!state) {
      unknown.push(event);
      continue;
    }
    const next = nextLineState(state, event.outcome);
    if (!next) continue;
    current.set(key, next);
    touched.add(key);
    history.push({ orderId: event.orderId, lineId: event.lineId, ...next, eventId: event.eventId });
  }
  refuseUnknown(eventType, unknown);
  const changed = [...touched].map((key) => {
    const [orderId, lineId] = key.split('\u0000');
    return { orderId, lineId, ...current.get(key)!, previous: states.get(key)!.status };
  });
  return { changed, history };
}

/** What one statement writes to a line: a new state, the allocation that won it, the licenses its e-mail named. */
export interface LineWrite {
  orderId: string;
  lineId: string;
  state?: LineState;
  /** Kept only while the line has no allocation yet: the first allocation wins. */
  allocation?: { eventId: string; poolId: string };
  deliveredLicenseIds?: string[];
}

/** Where a statement's rows come from: literalRows (literals, through literalRowsOf below), the way every line write sends them. */
export type RowSource = <R>(rows: readonly R[], columns: Record<string, UnnestColumn<R>>, alias: string) => { from: string; columns: string };

/**
 * RowSource of a statement built of literals, sent by statementsInOneRoundTrip. The statements that
 * write lines all send their rows this way: node-postgres spells an array parameter's text element
 * by element (pg/lib/utils arrayString), which cost 1.3 to 1.7 times the allocation and 1.5 to 2
 * times the time of the literals for these statements (chunks of 1 to 50 events).
 */
export const literalRowsOf =
  (literal: LiteralOf): RowSource =>
  (rows, columns, alias) =>
    literalRows(rows, columns, literal, { alias });

/**
 * The members of a data-modifying CTE that write lines and history: `w` (the writes, each
 * line's new status or NULL), `lines_written` (order_id, line_id, claimed: whether the write's
 * allocation won the line) and `history_written`. Callers hold the order locks.
 */
export function lineChangeMembers(rowsOf: RowSource, writes: LineWrite[], history: StatusChange[]): string[] {
  const members: string[] = [];
  if (writes.length > 0) {
    const w = rowsOf(
      writes,
      {
        order_id: ['text', (l) => l.orderId],
        line_id: ['text', (l) => l.lineId],
        status: ['text', (l) => l.state?.status ?? null],
        reason: ['text', (l) => l.state?.reason ?? null],
        allocation_event_id: ['text', (l) => l.allocation?.eventId ?? null],
        pool_id: ['text', (l) => l.allocation?.poolId ?? null],
        delivered_license_ids: ['text', (l) => (l.deliveredLicenseIds ? JSON.stringify(l.deliveredLicenseIds) : null)],
      },
      'u',
    );
    members.push(
      `w AS (SELECT * FROM ${w.from})`,
      `lines_written AS (
         UPDATE order_lines l
            SET status = coalesce(w.status, l.status),
                status_reason = CASE WHEN w.status IS NULL THEN l.status_reason ELSE w.reason END,
                status_at = CASE WHEN w.status IS NULL THEN l.status_at ELSE now() END,
                allocation_event_id = coalesce(l.allocation_event_id, w.allocation_event_id),
                pool_id = CASE WHEN l.allocation_event_id IS NULL AND w.allocation_event_id IS NOT NULL THEN w.pool_id ELSE l.pool_id END,
                delivered_license_ids = CASE WHEN w.delivered_license_ids IS NULL THEN l.delivered_license_ids
                                             ELSE ARRAY(SELECT jsonb_array_elements_text(w.delivered_license_ids::jsonb)) END
           FROM w
          WHERE l.order_id = w.order_id AND l.line_id = w.line_id
          RETURNING l.order_id, l.line_id, l.allocation_event_id IS NOT DISTINCT FROM w.allocation_event_id AND w.allocation_event_id IS NOT NULL AS claimed
       )`,
    );
  }
  if (history.length > 0) {
    const h = rowsOf(history, HISTORY_COLUMNS, 'h');
    members.push(`history_written AS (INSERT INTO status_history (${h.columns}) SELECT ${h.columns} FROM ${h.from})`);
  }
  return members;
}

/**
 * Applies a chunk's outcomes: locks the orders, reads the lines, folds the outcomes, and writes
 * the changed lines with their history in one statement (two round trips).
 */
export async function applyLineOutcomes(manager: EntityManager, eventType: string, events: LineOutcomeEvent[]): Promise<LineTransition[]> {
  const { states } = await lockOrdersAndReadLines(
    manager,
    events.map((e) => e.orderId),
    events,
  );
  const { changed, history } = foldLineOutcomes(states, eventType, events);
  if (changed.length > 0 || history.length > 0) {
    const writes = changed.map(({ orderId, lineId, status, reason }): LineWrite => ({ orderId, lineId, state: { status, reason } }));
    await statementsInOneRoundTrip(
      manager,
      strictLiteral,
      (literal) => [`WITH ${lineChangeMembers(literalRowsOf(literal), writes, history).join(',\n')} SELECT 1`],
      { requireTransaction: true },
    );
  }
  return changed.map(({ orderId, lineId, status, previous }) => ({ orderId, lineId, status, previous }));
}

/** Events about orders or lines this service never stored cannot be applied: the chunk fails for good (DLQ). */
export function refuseUnknown(eventType: string, lines: { orderId: string; lineId: string }[]): void {
  if (lines.length > 0) throw new PermanentFailure(`${eventType} for ${describeLines(lines)}, which this service never received`);
}

const HISTORY_COLUMNS = {
  order_id: ['text', (c: StatusChange) => c.orderId],
  line_id: ['text', (c: StatusChange) => c.lineId],
  status: ['text', (c: StatusChange) => c.status],
  reason: ['text', (c: StatusChange) => c.reason],
  event_id: ['text', (c: StatusChange) => c.eventId],
} as const;

export async function appendStatusHistory(manager: EntityManager, changes: StatusChange[]): Promise<void> {
  if (changes.length === 0) return;
  const u = unnestRows(changes, HISTORY_COLUMNS);
  await manager.query(`INSERT INTO status_history (${u.columns}) SELECT ${u.columns} FROM ${u.from}`, u.parameters);
}

/** Names lines in a dead-letter reason, e.g. "order ord_1 line 2". */
export function describeLines(lines: { orderId: string; lineId: string }[]): string {
  return lines.map((l) => `order ${l.orderId} line ${l.lineId}`).join(', ');
}
