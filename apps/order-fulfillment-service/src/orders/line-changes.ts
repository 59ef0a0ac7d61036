import type { EntityManager } from 'typeorm';
import { PermanentFailure } from '@keypool/messaging';
import { unnestRows } from '@keypool/platform';
import { LineOutcome, LineState, LineStatus, nextLineState } from './line-status';
import { lineKey } from './order-locks';

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

/**
 * Reads the lines once, folds the chunk's outcomes over them in arrival order, then writes
 * the final state of each changed line and one history row per change, set-based.
 * Callers hold the order locks. A chunk naming a line this service never stored is refused
 * (see refuseUnknown), naming `eventType`.
 */
export async function applyLineOutcomes(manager: EntityManager, eventType: string, events: LineOutcomeEvent[]): Promise<LineTransition[]> {
  const states = await readLineStates(manager, events);
  const before = new Map([...states].map(([key, state]) => [key, state.status]));
  const history: { orderId: string; lineId: string; status: string; reason: string | null; eventId: string }[] = [];
  const unknown: LineOutcomeEvent[] = [];
  const touched = new Set<string>();
  for (const event of events) {
    const key = lineKey(event.orderId, event.lineId);
    const current = states.get(key);
    if (!current) {
      unknown.push(event);
      continue;
    }
    const next = nextLineState(current, event.outcome);
    if (!next) continue;
    states.set(key, next);
    touched.add(key);
    history.push({ orderId: event.orderId, lineId: event.lineId, ...next, eventId: event.eventId });
  }
  const changed = [...touched].map((key) => {
    const [orderId, lineId] = key.split('\u0000');
    return { orderId, lineId, ...states.get(key)! };
  });
  refuseUnknown(eventType, unknown);
  await writeLineStates(manager, changed);
  await appendStatusHistory(manager, history);
  return changed.map(({ orderId, lineId, status }) => ({ orderId, lineId, status, previous: before.get(lineKey(orderId, lineId))! }));
}

/** Events about orders or lines this service never stored cannot be applied: the chunk fails for good (DLQ). */
export function refuseUnknown(eventType: string, lines: { orderId: string; lineId: string }[]): void {
  if (lines.length > 0) throw new PermanentFailure(`${eventType} for ${describeLines(lines)}, which this service never received`);
}

async function readLineStates(manager: EntityManager, events: LineOutcomeEvent[]): Promise<Map<string, LineState>> {
  if (events.length === 0) return new Map();
  const k = unnestRows(events, { order_id: ['text', (e) => e.orderId], line_id: ['text', (e) => e.lineId] }, { alias: 'k' });
  const rows: { order_id: string; line_id: string; status: LineStatus; status_reason: string | null }[] = await manager.query(
    `SELECT l.order_id, l.line_id, l.status, l.status_reason
       FROM order_lines l JOIN ${k.from}
         ON l.order_id = k.order_id AND l.line_id = k.line_id`,
    k.parameters,
  );
  return new Map(rows.map((r) => [lineKey(r.order_id, r.line_id), { status: r.status, reason: r.status_reason }]));
}

async function writeLineStates(manager: EntityManager, lines: (ChangedLine & LineState)[]): Promise<void> {
  if (lines.length === 0) return;
  const u = unnestRows(lines, {
    order_id: ['text', (l) => l.orderId],
    line_id: ['text', (l) => l.lineId],
    status: ['text', (l) => l.status],
    reason: ['text', (l) => l.reason],
  });
  await manager.query(
    `UPDATE order_lines l SET status = u.status, status_reason = u.reason, status_at = now()
       FROM ${u.from}
      WHERE l.order_id = u.order_id AND l.line_id = u.line_id`,
    u.parameters,
  );
}

export interface StatusChange {
  orderId: string;
  lineId: string | null;
  status: string;
  reason: string | null;
  eventId: string | null;
}

export async function appendStatusHistory(manager: EntityManager, changes: StatusChange[]): Promise<void> {
  if (changes.length === 0) return;
  const u = unnestRows(changes, {
    order_id: ['text', (c) => c.orderId],
    line_id: ['text', (c) => c.lineId],
    status: ['text', (c) => c.status],
    reason: ['text', (c) => c.reason],
    event_id: ['text', (c) => c.eventId],
  });
  await manager.query(`INSERT INTO status_history (${u.columns}) SELECT ${u.columns} FROM ${u.from}`, u.parameters);
}

/** Names lines in a dead-letter reason, e.g. "order ord_1 line 2". */
export function describeLines(lines: { orderId: string; lineId: string }[]): string {
  return lines.map((l) => `order ${l.orderId} line ${l.lineId}`).join(', ');
}
