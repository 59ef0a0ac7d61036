import type { EntityManager } from 'typeorm';
import type { AllocationRequestedData, License } from '@keypool/contracts';
import type { Tx } from '@keypool/messaging';
import { type SecretBox, unnestRows } from '@keypool/platform';
import { decidePoolAlerts } from './pool-alerts';
import { allocationEventContext, allocationRequestContext, licenseValueContext } from '../keys/sealed-columns';
import { PoolEvents } from '../shared/pool-events';
import { HeldLine, ServePolicy, Stock, chooseLinesToServe, demandOf } from './serve-plan';

/** Held lines read per round; a longer queue is served in several rounds. */
const QUEUE_PAGE = 1000;
/** Licenses counted or picked per round, so a serve never loads or locks a whole pool. */
export const MAX_PICK = 10_000;
/** Rounds in a row that serve nothing before a serve gives up on the rest of a long queue (the next serve retries). */
const MAX_IDLE_ROUNDS = 5;

export interface LockedPool {
  id: string;
  merchant_id: string;
  product_id: string | null;
  currency: string | null;
  name: string;
  mode: 'live' | 'test';
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
  /** Licenses left after serving, as last counted (exact below the need of the lines that did not fit). */
  stock: number;
  /** Stock is kept for an older line that waited longest, so lines that would fit wait behind it. */
  keptForOlder: boolean;
}

interface QueuedLine extends HeldLine {
  id: string;
  seq: string;
}

interface QueueOutcome {
  served: string[];
  stock: number;
  keptForOlder: boolean;
}

/**
 * Serves a pool's held lines oldest first, each line whole or not at all, passing over a line
 * the stock cannot serve yet (see chooseLinesToServe), and raises PoolLow alerts. Allocators of
 * one pool take turns on its row lock: that keeps the queue order exact and the alert flags
 * race-free, while different pools are served in parallel.
 */
export class PoolQueue {
  private readonly policy: ServePolicy;

  constructor(
    private readonly cipher: SecretBox,
    private readonly events: PoolEvents,
    reserveAfter: number,
  ) {
    this.policy = { reserveAfter, maxLine: MAX_PICK };
  }

  /** Locks pools in id order (no deadlocks); FOR NO KEY UPDATE does not block imports' foreign-key checks. */
  async lock(manager: EntityManager, poolIds: string[]): Promise<LockedPool[]> {
    if (poolIds.length === 0) return [];
    return manager.query(
      `SELECT id, merchant_id, product_id, currency, name, mode, threshold, low_armed, empty_armed, archived_at
         FROM pool WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
      [[...new Set(poolIds)]],
    );
  }

  async serve(tx: Tx, poolIds: string[]): Promise<PoolServed[]> {
    const results: PoolServed[] = [];
    for (const pool of await this.lock(tx.manager, poolIds)) {
      if (pool.archived_at) continue;
      const outcome = await this.serveQueue(tx, pool);
      results.push({ pool, ...outcome, ...(await this.raiseAlerts(tx, pool)) });
    }
    return results;
  }

  /** Re-evaluates a locked pool's alerts (after a withdrawal or a threshold change). */
  async raiseAlerts(tx: Tx, pool: LockedPool): Promise<{ available: number; backordered: number }> {
    // A plain count, never SKIP LOCKED, so locked rows still count; bounded, because deciding
    // needs only to know whether stock is below the threshold (or gone).
    let available = await this.countAvailable(tx.manager, pool.id, Math.max(pool.threshold, 1) + 1);
    const [{ n }] = await tx.manager.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM allocation WHERE pool_id = $1 AND status = 'awaiting_stock'`, [
      pool.id,
    ]);
    const backordered = Number(n);
    const decision = decidePoolAlerts({
      available,
      backordered,
      threshold: pool.threshold,
      lowArmed: pool.low_armed,
      emptyArmed: pool.empty_armed,
    });
    // Exact only when an alert reports it: at most once per crossing, never on every serve.
    if (decision.alerts.length > 0 && available > pool.threshold) available = await this.countAvailable(tx.manager, pool.id);
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
          poolName: pool.name,
          mode: pool.mode,
        }),
      );
    }
    if (decision.lowArmed !== pool.low_armed || decision.emptyArmed !== pool.empty_armed) {
      await tx.manager.query(`UPDATE pool SET low_armed = $2, empty_armed = $3 WHERE id = $1`, [pool.id, decision.lowArmed, decision.emptyArmed]);
      pool.low_armed = decision.lowArmed;
      pool.empty_armed = decision.emptyArmed;
    }
    return { available, backordered };
  }

  private async countAvailable(manager: EntityManager, poolId: string, cap?: number): Promise<number> {
    const [{ n }] = await manager.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM license WHERE pool_id = $1 AND status = 'available' LIMIT $2) s`,
      [poolId, cap ?? null],
    );
    return Number(n);
  }

  /**
   * Rounds of at most QUEUE_PAGE lines and MAX_PICK licenses: count the stock the page could use
   * (bounded), decide, pick exactly the licenses decided on. A round that served on a lower-bound
   * count reads the same place again; otherwise the next page follows, until the stock is spent,
   * stock is kept for an older line, or MAX_IDLE_ROUNDS pages in a row served nothing.
   */
  private async serveQueue(tx: Tx, pool: LockedPool): Promise<QueueOutcome> {
    const served: string[] = [];
    let after = '0';
    let stock = 0;
    for (let idle = 0; idle < MAX_IDLE_ROUNDS;) {
      const queue = await this.heldPage(tx.manager, pool.id, after);
      if (queue.length === 0) break;
      const cap = demandOf(queue, this.policy, MAX_PICK);
      const counted = cap > 0 ? await this.countAvailable(tx.manager, pool.id, cap) : 0;
      const plan = await this.serveRound(tx, pool, queue, { count: counted, exact: counted < cap });
      served.push(...plan.serve.map((l) => l.id));
      stock = counted - plan.used;
      if (plan.stop === 'kept') return { served, stock, keptForOlder: true };
      if (plan.serve.length === 0) idle++;
      if (plan.stop === 'recount') continue;
      if ((counted < cap && stock === 0) || queue.length < QUEUE_PAGE) break;
      after = queue[queue.length - 1].seq;
    }
    return { served, stock, keptForOlder: false };
  }

  private heldPage(manager: EntityManager, poolId: string, after: string): Promise<QueuedLine[]> {
    return manager.query(
      `SELECT id, seq, license_count, overtaken FROM allocation
        WHERE pool_id = $1 AND status = 'awaiting_stock' AND seq > $2 ORDER BY seq LIMIT $3`,
      [poolId, after, QUEUE_PAGE],
    );
  }

  private async serveRound(tx: Tx, pool: LockedPool, queue: QueuedLine[], stock: Stock) {
    let plan = chooseLinesToServe(queue, stock, this.policy);
    if (plan.used > 0) {
      const picked: { id: string; value: Buffer }[] = await tx.manager.query(
        `SELECT id, value FROM license WHERE pool_id = $1 AND status = 'available'
          ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [pool.id, plan.used],
      );
      // Only a holder of the pool's lock changes its licenses, so this is a safety net.
      if (picked.length < plan.used) plan = chooseLinesToServe(queue, { count: picked.length, exact: true }, this.policy);
      if (plan.serve.length > 0) await this.allocate(tx, pool, plan.serve, picked);
    }
    if (plan.overtaken.length > 0) {
      const s = unnestRows(plan.overtaken, { id: ['uuid', (o) => o.line.id], n: ['int', (o) => o.licenses] }, { alias: 's' });
      await tx.manager.query(
        `UPDATE allocation a SET overtaken = LEAST(a.overtaken::bigint + s.n, 2147483647)
           FROM ${s.from} WHERE a.id = s.id`,
        s.parameters,
      );
    }
    return plan;
  }

  private async allocate(tx: Tx, pool: LockedPool, lines: QueuedLine[], picked: { id: string; value: Buffer }[]) {
    const requests: { id: string; request: Buffer }[] = await tx.manager.query(`SELECT id, request FROM allocation WHERE id = ANY($1::uuid[])`, [
      lines.map((l) => l.id),
    ]);
    const requestOf = new Map(requests.map((r) => [r.id, r.request]));
    const owners: { licenseId: string; allocationId: string }[] = [];
    const served: { id: string; eventId: string; event: Buffer }[] = [];
    let next = 0;
    for (const line of lines) {
      const taken = picked.slice(next, next + line.license_count);
      next += line.license_count;
      const licenses: License[] = taken.map((l) => ({ licenseId: l.id, value: this.cipher.decryptText(l.value, licenseValueContext(l.id)) }));
      const request = JSON.parse(this.cipher.decryptText(requestOf.get(line.id)!, allocationRequestContext(line.id))) as AllocationRequestedData;
      const allocated = this.events.licenseAllocated(request, pool.id, licenses);
      tx.publish(allocated);
      const event = allocated.envelope;
      taken.forEach((l) => owners.push({ licenseId: l.id, allocationId: line.id }));
      served.push({ id: line.id, eventId: event.id, event: this.cipher.encrypt(JSON.stringify(event), allocationEventContext(line.id)) });
    }
    const a = unnestRows(owners, { license_id: ['uuid', (o) => o.licenseId], allocation_id: ['uuid', (o) => o.allocationId] }, { alias: 'a' });
    await tx.manager.query(
      `UPDATE license l SET status = 'allocated', allocation_id = a.allocation_id, allocated_at = now()
         FROM ${a.from} WHERE l.id = a.license_id`,
      a.parameters,
    );
    const s = unnestRows(served, { id: ['uuid', (l) => l.id], event_id: ['uuid', (l) => l.eventId], event: ['bytea', (l) => l.event] }, { alias: 's' });
    await tx.manager.query(
      `UPDATE allocation a SET status = 'allocated', reason = NULL, event_id = s.event_id, event = s.event, allocated_at = now()
         FROM ${s.from} WHERE a.id = s.id`,
      s.parameters,
    );
    await tx.manager.query(`UPDATE pool SET allocated_licenses = allocated_licenses + $2, allocated_lines = allocated_lines + $3 WHERE id = $1`, [
      pool.id,
      owners.length,
      lines.length,
    ]);
  }
}
