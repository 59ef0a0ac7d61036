import { Injectable } from '@nestjs/common';
import type { Tx } from '@keypool/messaging';
import { PoolEvents } from '../shared/pool-events';
import type { AllocationRow } from './allocation.entity';
import { PoolQueue } from '../stock/pool-queue';
import { awaitingStockReason } from './allocate-licenses.handler';
import { routeSql, routingLockKey, unroutableReasonSql } from './routing';

/** The moved lines; their stored event is not needed to tell where they wait now. */
type Rerouted = Omit<AllocationRow, 'event'>;

/**
 * After a merchant's pools change (created, archived, restored), moves each held line to the
 * pool that routes it now, serves what the new pools can serve, and tells order-fulfillment
 * where every moved line waits. Lines keep their age, so queues stay oldest first.
 */
@Injectable()
export class RerouteHeldLines {
  constructor(
    private readonly queue: PoolQueue,
    private readonly events: PoolEvents,
  ) {}

  /** Taken before the pool change itself, so no allocator routes with a stale view meanwhile. */
  async lockRouting(tx: Tx, merchantId: string): Promise<void> {
    await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [routingLockKey(merchantId)]);
    const pools: { id: string }[] = await tx.manager.query(`SELECT id FROM pool WHERE merchant_id = $1`, [merchantId]);
    await this.queue.lock(
      tx.manager,
      pools.map((p) => p.id),
    );
  }

  async reroute(tx: Tx, merchantId: string): Promise<void> {
    const line = { merchant: 'a.merchant_id', product: 'a.product_id', currency: 'a.currency', test: 'a.test' };
    // TypeORM answers an UPDATE with [rows, count].
    const [moved]: [Rerouted[], number] = await tx.manager.query(
      `UPDATE allocation a
          SET pool_id = r.pool_id,
              status = CASE WHEN r.pool_id IS NULL THEN 'unroutable' ELSE 'awaiting_stock' END,
              reason = CASE WHEN r.pool_id IS NULL THEN ${unroutableReasonSql(line)} END
         FROM (SELECT a.id, ${routeSql(line)} AS pool_id
                 FROM allocation a WHERE a.merchant_id = $1 AND a.status <> 'allocated' AND a.status <> 'cancelled') r
        WHERE a.id = r.id AND a.pool_id IS DISTINCT FROM r.pool_id
        RETURNING a.id, a.order_id, a.line_id, a.merchant_id, a.product_id, a.license_count, a.pool_id, a.status, a.reason`,
      [merchantId],
    );
    if (moved.length === 0) return;
    const outcomes = await this.queue.serve(
      tx,
      moved.filter((l) => l.pool_id).map((l) => l.pool_id!),
    );
    const served = new Set(outcomes.flatMap((o) => o.served));
    const byPool = new Map(outcomes.map((o) => [o.pool.id, o]));
    for (const line of moved.filter((l) => !served.has(l.id))) {
      const reason = line.reason ?? awaitingStockReason(line, line.pool_id ? byPool.get(line.pool_id) : undefined);
      if (!line.reason) await tx.manager.query(`UPDATE allocation SET reason = $2 WHERE id = $1`, [line.id, reason]);
      tx.publish(this.events.heldLine(line, reason));
    }
  }
}
