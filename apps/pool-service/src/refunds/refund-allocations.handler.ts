import { Injectable } from '@nestjs/common';
import type { AllocationRefundedData, LicenseRevokedData } from '@keypool/contracts';
import { PermanentFailure, type Tx } from '@keypool/messaging';
import { unnestRows, updateReturning } from '@keypool/platform';
import { PoolEvents } from '../shared/pool-events';
import { PoolQueue } from '../stock/pool-queue';
import { lockOrderLines } from '../allocation/order-line-locks';
import { routingLockKey } from '../allocation/routing';
import { withLicenseChange } from '../ledger/license-change';

export const refundPolicies = ['revoke', 'return_if_unsent', 'keep'] as const;
export type RefundPolicy = (typeof refundPolicies)[number];

interface RefundedLine {
  order_id: string;
  line_id: string;
  merchant_id: string;
  emailed: boolean;
  reason: string;
  refunded_at: Date;
}

interface LineToSettle {
  id: string;
  order_id: string;
  line_id: string;
  merchant_id: string;
  pool_id: string | null;
  status: 'allocated' | 'awaiting_stock' | 'unroutable' | 'cancelled';
  refund_policy: RefundPolicy | null;
}

/** What one refunded line came to; kept on refunded_line.outcome. */
export type RefundOutcome = 'cancelled' | 'revoked' | 'returned' | 'kept' | 'before request';

/**
 * Applies AllocationRefunded. Every refunded line is recorded once (refunded_line; a repeat has no
 * second effect). A held line is cancelled; a line not requested yet is cancelled when its request
 * arrives (the allocator reads refunded_line under the same per-line lock). A served line follows
 * its pool's refund policy: `revoke` revokes its licenses and publishes LicenseRevoked for each;
 * `return_if_unsent` returns them to stock when order-fulfillment knows no e-mail went out, else
 * revokes; `keep` records the refund only.
 *
 * Why this can never serve a refunded line: serving happens only under the pool's row lock and
 * only for `awaiting_stock` rows; this handler holds the merchant's routing lock (shared, which
 * keeps pools from being rerouted meanwhile), the lines' locks and their pools' locks while it
 * cancels, so a serve either committed before (the line is then settled as served) or sees it
 * cancelled.
 */
@Injectable()
export class RefundAllocationsHandler {
  constructor(
    private readonly events: PoolEvents,
    private readonly queue: PoolQueue,
  ) {}

  async refund(refunds: AllocationRefundedData[], tx: Tx): Promise<Map<string, RefundOutcome>> {
    const outcomes = new Map<string, RefundOutcome>();
    const lines = refunds.flatMap((r) =>
      r.lines.map((l) => ({ orderId: r.orderId, lineId: l.lineId, merchantId: r.merchantId, emailed: l.emailed, reason: r.reason, refundedAt: r.refundedAt })),
    );
    if (lines.length === 0) return outcomes;
    await tx.manager.query(`SELECT pg_advisory_xact_lock_shared(k) FROM (SELECT DISTINCT hashtextextended(m, 0) AS k FROM unnest($1::text[]) m ORDER BY 1) s`, [
      [...new Set(lines.map((l) => routingLockKey(l.merchantId)))],
    ]);
    await lockOrderLines(
      tx,
      lines.map((l) => l.orderId),
    );
    const u = unnestRows(lines, {
      order_id: ['text', (l) => l.orderId],
      line_id: ['text', (l) => l.lineId],
      merchant_id: ['text', (l) => l.merchantId],
      emailed: ['boolean', (l) => l.emailed],
      reason: ['text', (l) => l.reason],
      refunded_at: ['timestamptz', (l) => l.refundedAt],
    });
    const recorded: RefundedLine[] = await tx.manager.query(
      `INSERT INTO refunded_line (${u.columns})
       SELECT * FROM ${u.from}
       ON CONFLICT (order_id, line_id) DO NOTHING
       RETURNING order_id, line_id, merchant_id, emailed, reason, refunded_at`,
      u.parameters,
    );
    if (recorded.length === 0) return outcomes;
    const k = unnestRows(recorded, { order_id: ['text', (r) => r.order_id], line_id: ['text', (r) => r.line_id] }, { alias: 'k' });
    const found: LineToSettle[] = await tx.manager.query(
      `SELECT a.id, a.order_id, a.line_id, a.merchant_id, a.pool_id, a.status, p.refund_policy
         FROM allocation a JOIN ${k.from} ON a.order_id = k.order_id AND a.line_id = k.line_id
         LEFT JOIN pool p ON p.id = a.pool_id`,
      k.parameters,
    );
    const refundOf = new Map(recorded.map((r) => [key(r.order_id, r.line_id), r]));
    const foreign = found.filter((a) => a.merchant_id !== refundOf.get(key(a.order_id, a.line_id))!.merchant_id);
    if (foreign.length > 0) {
      throw new PermanentFailure(`AllocationRefunded names ${foreign.map((a) => `order ${a.order_id} line ${a.line_id}`).join(', ')} of another merchant`);
    }
    await this.queue.lock(
      tx.manager,
      found.flatMap((a) => (a.pool_id ? [a.pool_id] : [])),
    );
    // Read again under the pools' locks: a serve that committed meanwhile made a held line allocated.
    const current: LineToSettle[] =
      found.length === 0
        ? []
        : await tx.manager.query(
            `SELECT a.id, a.order_id, a.line_id, a.merchant_id, a.pool_id, a.status, p.refund_policy
         FROM allocation a LEFT JOIN pool p ON p.id = a.pool_id WHERE a.id = ANY($1::uuid[]) FOR UPDATE OF a`,
            [found.map((a) => a.id)],
          );
    for (const r of recorded) outcomes.set(key(r.order_id, r.line_id), 'before request');
    const held = current.filter((a) => a.status === 'awaiting_stock' || a.status === 'unroutable');
    if (held.length > 0) {
      await tx.manager.query(
        `UPDATE allocation SET status = 'cancelled', reason = 'Cancelled by a refund; never served', refunded_at = now() WHERE id = ANY($1::uuid[])`,
        [held.map((a) => a.id)],
      );
      held.forEach((a) => outcomes.set(key(a.order_id, a.line_id), 'cancelled'));
    }
    const served = current.filter((a) => a.status === 'allocated');
    const returnedPools = new Set<string>();
    for (const line of served) {
      const refund = refundOf.get(key(line.order_id, line.line_id))!;
      const outcome = settle(line.refund_policy ?? 'revoke', refund.emailed);
      outcomes.set(key(line.order_id, line.line_id), outcome);
      await tx.manager.query(`UPDATE allocation SET refunded_at = now() WHERE id = $1`, [line.id]);
      if (outcome === 'revoked') await this.revoke(tx, line, refund);
      if (outcome === 'returned') {
        const why = { via: 'refund', policy: line.refund_policy ?? 'revoke', reason: refund.reason } as const;
        const returned = await withLicenseChange(tx.manager, why, () =>
          updateReturning<{ id: string }>(
            tx.manager,
            `UPDATE license SET status = 'available', allocation_id = NULL, allocated_at = NULL WHERE allocation_id = $1 AND status = 'allocated' RETURNING id`,
            [line.id],
          ),
        );
        await tx.manager.query(`UPDATE pool SET allocated_licenses = greatest(allocated_licenses - $2, 0) WHERE id = $1`, [line.pool_id, returned.length]);
        returnedPools.add(line.pool_id!);
      }
    }
    const settled = unnestRows([...outcomes], {
      order_id: ['text', ([line]) => line.split('\u0000')[0]],
      line_id: ['text', ([line]) => line.split('\u0000')[1]],
      outcome: ['text', ([, outcome]) => outcome],
    });
    await tx.manager.query(
      `UPDATE refunded_line r SET outcome = u.outcome FROM ${settled.from}
        WHERE r.order_id = u.order_id AND r.line_id = u.line_id`,
      settled.parameters,
    );
    // Returned licenses are stock again: lines waiting in those pools are served now.
    if (returnedPools.size > 0) await this.queue.serve(tx, [...returnedPools]);
    return outcomes;
  }

  private async revoke(tx: Tx, line: LineToSettle, refund: RefundedLine): Promise<void> {
    const why = { via: 'refund', policy: line.refund_policy ?? 'revoke', reason: refund.reason } as const;
    const revoked = await withLicenseChange(tx.manager, why, () =>
      updateReturning<{ id: string; revoked_at: Date }>(
        tx.manager,
        `UPDATE license SET status = 'revoked', revoked_at = now() WHERE allocation_id = $1 AND status = 'allocated' RETURNING id, revoked_at`,
        [line.id],
      ),
    );
    for (const license of revoked) {
      const data: LicenseRevokedData = {
        licenseId: license.id,
        merchantId: line.merchant_id,
        poolId: line.pool_id!,
        orderId: line.order_id,
        lineId: line.line_id,
        reason: `refund: ${refund.reason}`,
        revokedAt: license.revoked_at.toISOString(),
      };
      tx.publish(this.events.licenseRevoked(data));
    }
  }
}

/** A served line's licenses under its pool's policy; `emailed` is order-fulfillment's "the customer may have them". */
export function settle(policy: RefundPolicy, emailed: boolean): 'revoked' | 'returned' | 'kept' {
  if (policy === 'keep') return 'kept';
  if (policy === 'return_if_unsent' && !emailed) return 'returned';
  return 'revoked';
}

const key = (orderId: string, lineId: string) => `${orderId}\u0000${lineId}`;
