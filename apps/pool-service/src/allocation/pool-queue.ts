import type { EntityManager } from 'typeorm';
import type { AllocationRequestedData, License, LicenseAllocatedData } from '@keypool/contracts';
import type { Envelope, Tx } from '@keypool/messaging';
import type { SecretBox } from '@keypool/platform';
import { decidePoolAlerts } from '../alerts/pool-alerts';
import { PoolEvents } from '../shared/pool-events';

/** Held lines read per pass; a longer queue is served in several passes. */
const QUEUE_PAGE = 2000;
/** Licenses picked per pass, so a long backlog never loads a whole pool into memory. */
const MAX_PICK = 10_000;

export interface LockedPool {
  id: string;
  merchant_id: string;
  product_id: string | null;
  currency: string | null;
  name: string;
  threshold: number;
  low_armed: boolean;
  empty_armed: boolean;
  archived_at: Date | null;
}

export interface PoolServed {
  pool: LockedPool;
  /** Allocation ids served in this transaction. */
  served: string[];
  /** Available licenses, exact when below the threshold (alerts need no more). */
  available: number;
  backordered: number;
}

interface QueuedLine {
  id: string;
  license_count: number;
}

/**
 * Serves a pool's held lines strictly oldest first, each line whole or not at all, and raises
 * PoolLow alerts. Allocators of one pool take turns on its row lock: that keeps FIFO exact and
 * the alert flags race-free, while different pools are served in parallel.
 */
export class PoolQueue {
  constructor(private readonly cipher: SecretBox, private readonly events: PoolEvents) {}

  /** Locks pools in id order (no deadlocks); FOR NO KEY UPDATE does not block imports' foreign-key checks. */
  async lock(manager: EntityManager, poolIds: string[]): Promise<LockedPool[]> {
    if (poolIds.length === 0) return [];
    return manager.query(
      `SELECT id, merchant_id, product_id, currency, name, threshold, low_armed, empty_armed, archived_at
         FROM pool WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
      [[...new Set(poolIds)]],
    );
  }

  async serve(tx: Tx, poolIds: string[]): Promise<PoolServed[]> {
    const results: PoolServed[] = [];
    for (const pool of await this.lock(tx.manager, poolIds)) {
      if (pool.archived_at) continue;
      const served = await this.serveQueue(tx, pool);
      results.push({ pool, served, ...(await this.raiseAlerts(tx, pool)) });
    }
    return results;
  }

  /** Re-evaluates a locked pool's alerts (after a withdrawal or a threshold change). */
  async raiseAlerts(tx: Tx, pool: LockedPool): Promise<{ available: number; backordered: number }> {
    // A plain count, never SKIP LOCKED, so locked rows still count; bounded because only
    // figures below the threshold are ever reported.
    let available = await this.countAvailable(tx.manager, pool.id, Math.max(pool.threshold, 1) + 1);
    const [{ n }] = await tx.manager.query(
      `SELECT count(*)::int AS n FROM allocation WHERE pool_id = $1 AND status = 'awaiting_stock'`,
      [pool.id],
    );
    const backordered = Number(n);
    const decision = decidePoolAlerts({
      available,
      backordered,
      threshold: pool.threshold,
      lowArmed: pool.low_armed,
      emptyArmed: pool.empty_armed,
    });
    if ((decision.alerts.length > 0 || backordered > 0) && available > pool.threshold) available = await this.countAvailable(tx.manager, pool.id);
    for (const level of decision.alerts) {
      tx.publish(
        this.events.poolLow({
          poolId: pool.id,
          merchantId: pool.merchant_id,
          productId: pool.product_id,
          currency: pool.currency,
          available,
          threshold: pool.threshold,
          level,
          backordered,
        }),
      );
    }
    if (decision.lowArmed !== pool.low_armed || decision.emptyArmed !== pool.empty_armed) {
      await tx.manager.query(`UPDATE pool SET low_armed = $2, empty_armed = $3 WHERE id = $1`, [
        pool.id,
        decision.lowArmed,
        decision.emptyArmed,
      ]);
      pool.low_armed = decision.lowArmed;
      pool.empty_armed = decision.emptyArmed;
    }
    return { available, backordered };
  }

  private async countAvailable(manager: EntityManager, poolId: string, cap?: number): Promise<number> {
    const [{ n }] = await manager.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM license WHERE pool_id = $1 AND status = 'available' LIMIT $2) s`,
      [poolId, cap ?? null],
    );
    return Number(n);
  }

  private async serveQueue(tx: Tx, pool: LockedPool): Promise<string[]> {
    const served: string[] = [];
    for (;;) {
      const queue: QueuedLine[] = await tx.manager.query(
        `SELECT id, license_count FROM allocation
          WHERE pool_id = $1 AND status = 'awaiting_stock' ORDER BY seq LIMIT $2`,
        [pool.id, QUEUE_PAGE],
      );
      if (queue.length === 0) return served;
      // Bounded per pass, but never below the oldest line's need, or a big line could never be served.
      const needed = queue.reduce((sum, line) => sum + line.license_count, 0);
      const wanted = Math.max(queue[0].license_count, Math.min(needed, MAX_PICK));
      const picked: { id: string; value: Buffer }[] = await tx.manager.query(
        `SELECT id, value FROM license WHERE pool_id = $1 AND status = 'available'
          ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [pool.id, wanted],
      );
      const lines = fifoPrefix(queue, picked.length);
      if (lines.length === 0) return served;
      await this.allocate(tx, pool, lines, picked);
      served.push(...lines.map((l) => l.id));
      if (picked.length < wanted) return served;
    }
  }

  private async allocate(tx: Tx, pool: LockedPool, lines: QueuedLine[], picked: { id: string; value: Buffer }[]) {
    const requests: { id: string; request: Buffer }[] = await tx.manager.query(
      `SELECT id, request FROM allocation WHERE id = ANY($1::uuid[])`,
      [lines.map((l) => l.id)],
    );
    const requestOf = new Map(requests.map((r) => [r.id, r.request]));
    const licenseIds: string[] = [];
    const licenseOwners: string[] = [];
    const eventIds: string[] = [];
    const sealed: Buffer[] = [];
    let next = 0;
    for (const line of lines) {
      const taken = picked.slice(next, next + line.license_count);
      next += line.license_count;
      const licenses: License[] = taken.map((l) => ({ licenseId: l.id, value: this.cipher.decryptText(l.value) }));
      const request = JSON.parse(this.cipher.decryptText(requestOf.get(line.id)!)) as AllocationRequestedData;
      const event: Envelope<LicenseAllocatedData> = this.events.licenseAllocatedEnvelope(request, pool.id, licenses);
      tx.publish(this.events.licenseAllocated(event));
      taken.forEach((l) => (licenseIds.push(l.id), licenseOwners.push(line.id)));
      eventIds.push(event.id);
      sealed.push(this.cipher.encrypt(JSON.stringify(event)));
    }
    await tx.manager.query(
      `UPDATE license l SET status = 'allocated', allocation_id = a.allocation_id, allocated_at = now()
         FROM unnest($1::uuid[], $2::uuid[]) AS a(license_id, allocation_id) WHERE l.id = a.license_id`,
      [licenseIds, licenseOwners],
    );
    await tx.manager.query(
      `UPDATE allocation a SET status = 'allocated', reason = NULL, event_id = s.event_id, event = s.event, allocated_at = now()
         FROM unnest($1::uuid[], $2::uuid[], $3::bytea[]) AS s(id, event_id, event) WHERE a.id = s.id`,
      [lines.map((l) => l.id), eventIds, sealed],
    );
    await tx.manager.query(`UPDATE pool SET allocated_licenses = allocated_licenses + $2, allocated_lines = allocated_lines + $3 WHERE id = $1`, [
      pool.id,
      licenseIds.length,
      lines.length,
    ]);
  }
}

/** The longest run of oldest lines that fits whole: a later small line never jumps the queue. */
export function fifoPrefix<L extends { license_count: number }>(queue: L[], available: number): L[] {
  const lines: L[] = [];
  let used = 0;
  for (const line of queue) {
    if (used + line.license_count > available) break;
    used += line.license_count;
    lines.push(line);
  }
  return lines;
}
