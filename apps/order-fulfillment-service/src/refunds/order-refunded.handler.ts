import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AllocationRefundedData, OrderRefundedData, Topics } from '@keypool/contracts';
import { InboundEventOf, PermanentFailure, TopicsFor, Tx, contractEvent } from '@keypool/messaging';
import { TOPICS, unnestRows, updateReturning } from '@keypool/platform';
import { orderLineHeld } from '../orders/line-held-events';
import { appendStatusHistory } from '../orders/line-changes';
import { LineStatus, waitingForLicenses } from '../orders/line-status';
import { lockOrders } from '../orders/order-locks';

export type RefundTopics = TopicsFor<'AllocationRefunded' | 'OrderLineHeld'>;

export interface RefundsResult {
  applied: { orderId: string; lines: number }[];
  /** Refunds kept until their order arrives. */
  pending: string[];
  /** Refunds applied before, or naming only lines already refunded: no second effect. */
  repeats: string[];
}

interface StoredRefund {
  eventId: string;
  data: OrderRefundedData;
}

interface RefundLine {
  line_id: string;
  product_id: string;
  status: LineStatus;
  refunded_at: Date | null;
  sent: boolean;
}

/**
 * Applies OrderRefunded: every refund is kept (order_refunds); one whose order is not here yet
 * waits and is applied by the intake when the order arrives. A refund naming another merchant's
 * order, or a line the order does not have, is refused for good (DLQ).
 */
@Injectable()
export class ReceiveRefunds {
  private readonly logger = new Logger('ReceiveRefunds');

  constructor(@Inject(TOPICS) private readonly topics: Topics) {}

  async receive(events: InboundEventOf<'OrderRefunded'>[], tx: Tx): Promise<RefundsResult> {
    const refunds = events.map((e) => ({ eventId: e.envelope.id, data: e.envelope.data }));
    await lockOrderIntake(
      tx.manager,
      refunds.map((r) => r.data.orderId),
    );
    const orders = await lockOrders(
      tx.manager,
      refunds.map((r) => r.data.orderId),
    );
    for (const { data } of refunds) {
      const order = orders.get(data.orderId);
      if (order && order.merchantId !== data.merchantId) {
        throw new PermanentFailure(`OrderRefunded for order ${data.orderId} names merchant ${data.merchantId}, but the order belongs to another merchant`);
      }
    }
    await storeRefunds(tx.manager, refunds);
    const result: RefundsResult = { applied: [], pending: [], repeats: [] };
    for (const refund of refunds) {
      if (!orders.has(refund.data.orderId)) {
        result.pending.push(refund.data.orderId);
        continue;
      }
      const applied = await applyRefund(tx, refund, this.topics, { refuseUnknownLines: true });
      if (applied > 0) result.applied.push({ orderId: refund.data.orderId, lines: applied });
      else result.repeats.push(refund.data.orderId);
    }
    tx.afterCommit(() => this.report(result));
    return result;
  }

  private report(result: RefundsResult): void {
    for (const orderId of result.pending) this.logger.log({ orderId }, 'refund for an order not received yet; kept and applied when it arrives');
    for (const orderId of result.repeats) this.logger.log({ orderId }, 'refund names only lines already refunded; nothing changed');
  }
}

/**
 * Called by the intake in the transaction that stores new orders (holding lockOrderIntake):
 * applies the refunds that arrived first. Returns the lines cancelled, which are never asked for.
 */
export async function applyPendingRefunds(
  tx: Tx,
  orders: { orderId: string; merchantId: string }[],
  topics: RefundTopics,
): Promise<{ cancelled: Set<string>; notes: { orderId: string; note: string }[] }> {
  const cancelled = new Set<string>();
  const notes: { orderId: string; note: string }[] = [];
  if (orders.length === 0) return { cancelled, notes };
  const rows: { event_id: string; order_id: string; merchant_id: string; line_ids: string[] | null; reason: OrderRefundedData['reason']; refunded_at: Date }[] =
    await tx.manager.query(
      `SELECT event_id, order_id, merchant_id, line_ids, reason, refunded_at FROM order_refunds
        WHERE order_id = ANY($1::text[]) AND applied_at IS NULL ORDER BY seq`,
      [orders.map((o) => o.orderId)],
    );
  const merchantOf = new Map(orders.map((o) => [o.orderId, o.merchantId]));
  for (const row of rows) {
    if (merchantOf.get(row.order_id) !== row.merchant_id) {
      const note = `a refund (event ${row.event_id}) named merchant ${row.merchant_id}, not the order's; it was not applied`;
      await tx.manager.query(`UPDATE order_refunds SET applied_at = now(), outcome = $2 WHERE event_id = $1`, [row.event_id, 'refused: another merchant']);
      notes.push({ orderId: row.order_id, note });
      continue;
    }
    const refund: StoredRefund = {
      eventId: row.event_id,
      data: { orderId: row.order_id, merchantId: row.merchant_id, lineIds: row.line_ids, reason: row.reason, refundedAt: row.refunded_at.toISOString() },
    };
    const lines = new Set<string>();
    await applyRefund(tx, refund, topics, { refuseUnknownLines: false, cancelled: lines });
    lines.forEach((lineId) => cancelled.add(`${row.order_id}\u0000${lineId}`));
  }
  return { cancelled, notes };
}

/**
 * Serialises a refund with the intake of its order (which takes the same lock before storing
 * it): a refund either finds the order, or is stored where the intake reads it. Sorted, so two
 * chunks never deadlock.
 */
export async function lockOrderIntake(manager: EntityManager, orderIds: string[]): Promise<void> {
  const ids = [...new Set(orderIds)].sort();
  if (ids.length === 0) return;
  await manager.query(intakeLockStatement('$1::text[]'), [ids]);
}

/** The statement of lockOrderIntake, for the sorted, distinct order ids in the text[] expression `ids`. */
export const intakeLockStatement = (ids: string) =>
  `SELECT pg_advisory_xact_lock(hashtextextended('keypool.order-intake:' || id, 0)) FROM unnest(${ids}) WITH ORDINALITY AS u(id, n) ORDER BY n`;

async function storeRefunds(manager: EntityManager, refunds: StoredRefund[]): Promise<void> {
  const u = unnestRows(refunds, {
    event_id: ['text', (r) => r.eventId],
    order_id: ['text', (r) => r.data.orderId],
    merchant_id: ['text', (r) => r.data.merchantId],
    line_ids: ['text', (r) => JSON.stringify(r.data.lineIds ?? null)],
    reason: ['text', (r) => r.data.reason],
    refunded_at: ['text', (r) => r.data.refundedAt],
  });
  await manager.query(
    `INSERT INTO order_refunds (event_id, order_id, merchant_id, line_ids, reason, refunded_at)
     SELECT u.event_id, u.order_id, u.merchant_id, CASE WHEN u.line_ids = 'null' THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(u.line_ids::jsonb)) END,
            u.reason, u.refunded_at::timestamptz
       FROM ${u.from}
     ON CONFLICT (event_id) DO NOTHING`,
    u.parameters,
  );
}

/**
 * One refund on a stored order (its lock held): each named line not refunded yet is marked
 * refunded; a line still waiting for licenses is cancelled. pool-service is told in one
 * AllocationRefunded (it cancels the held allocation or applies the pool's refund policy), the
 * checkout by OrderLineHeld for each line that stops waiting. Returns the lines newly refunded.
 */
async function applyRefund(
  tx: Tx,
  refund: StoredRefund,
  topics: RefundTopics,
  options: { refuseUnknownLines: boolean; cancelled?: Set<string> },
): Promise<number> {
  const { data } = refund;
  const lines: RefundLine[] = await tx.manager.query(
    `SELECT l.line_id, l.product_id, l.status, l.refunded_at,
            EXISTS (SELECT 1 FROM email_history e WHERE e.order_id = l.order_id AND e.line_id = l.line_id AND e.kind = 'sent') AS sent
       FROM order_lines l WHERE l.order_id = $1 ORDER BY l.position`,
    [data.orderId],
  );
  const named = data.lineIds ?? null;
  if (named) {
    const known = new Set(lines.map((l) => l.line_id));
    const unknown = named.filter((id) => !known.has(id));
    if (unknown.length > 0 && options.refuseUnknownLines) {
      throw new PermanentFailure(`OrderRefunded for order ${data.orderId} names line(s) ${unknown.join(', ')}, which the order does not have`);
    }
  }
  const targets = lines.filter((l) => (named ? named.includes(l.line_id) : true) && l.refunded_at === null);
  const reason = `refund: ${data.reason}`;
  if (targets.length > 0) {
    const waiting = targets.filter((l) => waitingForLicenses.includes(l.status));
    await tx.manager.query(
      `UPDATE order_lines SET refunded_at = $3::timestamptz, refund_reason = $4,
              status = CASE WHEN status IN ('received', 'awaiting_stock', 'unroutable') THEN 'cancelled' ELSE status END,
              status_reason = CASE WHEN status IN ('received', 'awaiting_stock', 'unroutable') THEN $5 ELSE status_reason END,
              status_at = CASE WHEN status IN ('received', 'awaiting_stock', 'unroutable') THEN now() ELSE status_at END
        WHERE order_id = $1 AND line_id = ANY($2::text[])`,
      [data.orderId, targets.map((l) => l.line_id), data.refundedAt, data.reason, `Cancelled by a refund (${data.reason}); never served`],
    );
    await appendStatusHistory(
      tx.manager,
      targets.map((l) => ({
        orderId: data.orderId,
        lineId: l.line_id,
        status: waitingForLicenses.includes(l.status) ? 'cancelled' : 'refunded',
        reason,
        eventId: refund.eventId,
      })),
    );
    // At intake the cancelled lines were never asked for: pool-service has nothing to cancel.
    const told = options.cancelled ? targets.filter((l) => !waitingForLicenses.includes(l.status)) : targets;
    const lines: AllocationRefundedData['lines'] = told.map((l) => ({ lineId: l.line_id, emailed: mayHaveBeenEmailed(l) }));
    if (lines.length > 0)
      tx.publish(
        contractEvent(
          'AllocationRefunded',
          { orderId: data.orderId, merchantId: data.merchantId, lines, reason: data.reason, refundedAt: data.refundedAt },
          { producer: 'order-fulfillment-service', topics },
        ),
      );
    const since = new Date().toISOString();
    for (const line of waiting) {
      options.cancelled?.add(line.line_id);
      // A line never told to the checkout as waiting ('received') has nothing to take back.
      if (line.status === 'received') continue;
      tx.publish(
        orderLineHeld(
          { orderId: data.orderId, merchantId: data.merchantId, lineId: line.line_id, productId: line.product_id, status: 'cancelled', since },
          topics,
        ),
      );
    }
  }
  const refundStatus = await updateRefundStatus(tx.manager, data.orderId);
  await tx.manager.query(`UPDATE order_refunds SET applied_at = now(), outcome = $2 WHERE event_id = $1`, [
    refund.eventId,
    targets.length > 0 ? `applied to ${targets.length} line(s); order ${refundStatus}` : 'nothing left to refund',
  ]);
  if (targets.length > 0 && refundStatus !== 'not refunded') {
    await appendStatusHistory(tx.manager, [{ orderId: data.orderId, lineId: null, status: refundStatus, reason, eventId: refund.eventId }]);
  }
  return targets.length;
}

/**
 * Whether the customer may hold the line's licenses. Only a line whose e-mail failed for good and
 * was never sent (no resend either) is known not to have reached them; a line still allocated may
 * have its e-mail in flight, and a held line may be served by the pool before the refund reaches it.
 */
function mayHaveBeenEmailed(line: RefundLine): boolean {
  return !(line.status === 'email_failed' && !line.sent);
}

async function updateRefundStatus(manager: EntityManager, orderId: string): Promise<'refunded' | 'partially_refunded' | 'not refunded'> {
  const [row] = await updateReturning<{ refund_status: 'refunded' | 'partially_refunded' }>(
    manager,
    `UPDATE orders o SET refund_status = CASE WHEN NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id AND l.refunded_at IS NULL)
                                             THEN 'refunded' ELSE 'partially_refunded' END
      WHERE o.order_id = $1 AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id AND l.refunded_at IS NOT NULL)
      RETURNING o.refund_status`,
    [orderId],
  );
  return row?.refund_status ?? 'not refunded';
}
