import type { EntityManager } from 'typeorm';
import type { AllocationRequestedData, License } from '@keypool/contracts';
import type { Tx } from '@keypool/messaging';
import type { SecretBox } from '@keypool/platform';
import { PoolLevelDecision, decidePoolAlerts } from './pool-alerts';
import { allocationEventContext, allocationRequestContext, licenseValueContext } from '../keys/sealed-columns';
import { PoolEvents } from '../shared/pool-events';
import { ServePlan, ServePolicy, chooseLinesToServe } from './serve-plan';
import { Picked, QueuedLine, RoundRead, RoundWrite, pickLicenses, readRequests, readRound, writeRound } from './queue-rounds';

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

/**
 * The pool rows whose ids `ids` (an SQL expression of a uuid array) holds, locked in id order (no
 * deadlocks); FOR NO KEY UPDATE does not block imports' foreign-key checks. A caller may lock in
 * its own statement (the allocator locks with its insert); the rows are read after the lock is
 * granted, so they are current.
 */
export function lockPoolsSql(ids: string): string {
  return `SELECT id, merchant_id, product_id, currency, name, mode, threshold, low_armed, empty_armed, archived_at
            FROM pool WHERE id = ANY(${ids}) ORDER BY id FOR NO KEY UPDATE`;
}

/** Where a pool's stock stands after a serve, and what its PoolLow flags decided. */
interface PoolLevel {
  available: number;
  backordered: number;
  decision: PoolLevelDecision;
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

  async lock(manager: EntityManager, poolIds: string[]): Promise<LockedPool[]> {
    if (poolIds.length === 0) return [];
    return manager.query(lockPoolsSql('$1::uuid[]'), [[...new Set(poolIds)]]);
  }

  async serve(tx: Tx, poolIds: string[]): Promise<PoolServed[]> {
    return this.serveLocked(tx, await this.lock(tx.manager, poolIds));
  }

  /**
   * Serves pools this transaction holds the locks of (taken by lock() or with lockPoolsSql).
   * `recorded`: by pool id, the requests of lines this transaction inserted to wait in it, by
   * allocation id, as they were sealed into the rows; a line served from it skips reading, opening
   * and parsing its sealed copy. Per pool, so each pool's reads name only its own lines.
   */
  async serveLocked(tx: Tx, pools: LockedPool[], recorded?: ReadonlyMap<string, ReadonlyMap<string, AllocationRequestedData>>): Promise<PoolServed[]> {
    const results: PoolServed[] = [];
    for (const pool of pools) if (!pool.archived_at) results.push(await this.serveQueue(tx, pool, recorded?.get(pool.id)));
    return results;
  }

  /** Re-evaluates a locked pool's alerts (after a withdrawal or a threshold change). */
  async raiseAlerts(tx: Tx, pool: LockedPool): Promise<{ available: number; backordered: number }> {
    // A plain count, never SKIP LOCKED, so locked rows still count; bounded, because deciding
    // needs only to know whether stock is below the threshold (or gone).
    const [figures] = await tx.manager.query<{ available: number; backordered: number }[]>(
      `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM license WHERE pool_id = $1 AND status = 'available' LIMIT $2) s) AS available,
              (SELECT count(*)::int FROM allocation WHERE pool_id = $1 AND status = 'awaiting_stock') AS backordered`,
      [pool.id, alertMargin(pool)],
    );
    const level = judgeLevel(pool, figures);
    const arming = armingChange(pool, level.decision);
    if (arming) await tx.manager.query(`UPDATE pool SET low_armed = $2, empty_armed = $3 WHERE id = $1`, [pool.id, arming.lowArmed, arming.emptyArmed]);
    return this.publishAlerts(tx, pool, level);
  }

  /**
   * Rounds of at most QUEUE_PAGE lines and MAX_PICK licenses: read the page with the stock it
   * could use (bounded), decide, take exactly the licenses decided on. A round that served on a
   * lower-bound count reads the same place again; otherwise the next page follows, until the
   * stock is spent, stock is kept for an older line, or MAX_IDLE_ROUNDS pages in a row served
   * nothing. The last round's figures also judge the alerts, and its write arms them.
   */
  private async serveQueue(tx: Tx, pool: LockedPool, recorded: ReadonlyMap<string, AllocationRequestedData> | undefined): Promise<PoolServed> {
    const bounds = { pageSize: QUEUE_PAGE, maxPick: MAX_PICK, margin: alertMargin(pool) };
    const served: string[] = [];
    const recordedIds = recorded ? [...recorded.keys()] : [];
    let after = '0';
    for (let idle = 0; ;) {
      const read = await readRound(tx.manager, pool.id, after, bounds, recordedIds);
      const { plan, picked } = await this.planRound(tx.manager, pool.id, read, recorded);
      if (plan.serve.length === 0) idle++;
      const stock = read.counted - plan.used;
      const next = nextPage(read, plan, stock, idle, after);
      const level = next === undefined ? judgeLevel(pool, { available: stock, backordered: read.waiting - plan.serve.length }) : undefined;
      await writeRound(tx.manager, pool.id, {
        ...this.allocate(tx, pool, plan.serve, picked, recorded),
        overtaken: plan.overtaken.map((o) => ({ id: o.line.id, licenses: o.licenses })),
        arming: level && armingChange(pool, level.decision),
      });
      served.push(...plan.serve.map((l) => l.id));
      if (level) return { pool, served, stock, keptForOlder: plan.stop === 'kept', ...(await this.publishAlerts(tx, pool, level)) };
      after = next!;
    }
  }

  /**
   * The round's plan and the licenses it takes: picked with the read when the stock covered the
   * page, else picked now. Only a holder of the pool's lock changes its licenses, but a hash
   * upgrade may hold some for a moment: fewer picked than planned plans again on what was picked.
   * Requests of `recorded` lines are never read (allocate takes them from the map).
   */
  private async planRound(
    manager: EntityManager,
    poolId: string,
    read: RoundRead,
    recorded: ReadonlyMap<string, AllocationRequestedData> | undefined,
  ): Promise<{ plan: ServePlan<QueuedLine>; picked: Picked }> {
    const unrecorded = (lines: QueuedLine[]) => lines.filter((l) => !recorded?.has(l.id)).map((l) => l.id);
    const plan = chooseLinesToServe(read.queue, { count: read.counted, exact: read.counted < read.cap }, this.policy);
    if (plan.used === 0) return { plan, picked: { licenses: [], requests: new Map() } };
    const picked = read.picked ?? (await pickLicenses(manager, poolId, plan.used, unrecorded(plan.serve)));
    if (picked.licenses.length >= plan.used) return { plan, picked };
    const replanned = chooseLinesToServe(read.queue, { count: picked.licenses.length, exact: true }, this.policy);
    const unread = unrecorded(replanned.serve).filter((id) => !picked.requests.has(id));
    if (unread.length > 0) (await readRequests(manager, unread)).forEach((request, id) => picked.requests.set(id, request));
    return { plan: replanned, picked };
  }

  /** Builds each served line's LicenseAllocated (published at commit) and what the round writes for it. */
  private allocate(
    tx: Tx,
    pool: LockedPool,
    lines: QueuedLine[],
    picked: Picked,
    recorded: ReadonlyMap<string, AllocationRequestedData> | undefined,
  ): Pick<RoundWrite, 'owners' | 'served'> {
    const owners: RoundWrite['owners'] = [];
    const served: RoundWrite['served'] = [];
    let next = 0;
    for (const line of lines) {
      const taken = picked.licenses.slice(next, next + line.license_count);
      next += line.license_count;
      const licenses: License[] = taken.map((l) => ({ licenseId: l.id, value: this.cipher.decryptText(l.value, licenseValueContext(l.id)) }));
      const request = recorded?.get(line.id) ?? this.openRequest(picked, line.id);
      const allocated = this.events.licenseAllocated(request, pool.id, licenses);
      tx.publish(allocated);
      const event = allocated.envelope;
      taken.forEach((l) => owners.push({ licenseId: l.id, allocationId: line.id }));
      served.push({ id: line.id, eventId: event.id, event: this.cipher.encrypt(JSON.stringify(event), allocationEventContext(line.id)) });
    }
    return { owners, served };
  }

  /** A line's request as the round read it: sealed in its row, bound to the line. */
  private openRequest(picked: Picked, lineId: string): AllocationRequestedData {
    const sealed = picked.requests.get(lineId);
    // Cannot happen: a request is left unread only for a line whose request is in hand. Said by name
    // rather than as a decryption of undefined, should a change ever break that pairing.
    if (!sealed) throw new Error(`allocation line ${lineId} has no request, neither in hand nor read with its round`);
    return JSON.parse(this.cipher.decryptText(sealed, allocationRequestContext(lineId))) as AllocationRequestedData;
  }

  /** Publishes what the decision raised; the figure an alert reports is exact, counted only then. */
  private async publishAlerts(tx: Tx, pool: LockedPool, level: PoolLevel): Promise<{ available: number; backordered: number }> {
    const { decision, backordered } = level;
    pool.low_armed = decision.lowArmed;
    pool.empty_armed = decision.emptyArmed;
    if (decision.alerts.length === 0) return { available: level.available, backordered };
    // At most once per crossing, never on every serve: above the threshold the count stopped at its bound.
    const available = level.available > pool.threshold ? await countAvailable(tx.manager, pool.id) : level.available;
    for (const alert of decision.alerts) {
      tx.publish(
        this.events.poolLow({
          poolId: pool.id,
          merchantId: pool.merchant_id,
          productId: pool.product_id,
          currency: pool.currency,
          available,
          threshold: pool.threshold,
          level: alert,
          backordered,
          poolName: pool.name,
          mode: pool.mode,
        }),
      );
    }
    return { available, backordered };
  }
}

/** Licenses counted beyond need: enough to tell whether stock is below the threshold, or gone. */
function alertMargin(pool: LockedPool): number {
  return Math.max(pool.threshold, 1) + 1;
}

function judgeLevel(pool: LockedPool, figures: { available: number; backordered: number }): PoolLevel {
  const decision = decidePoolAlerts({ ...figures, threshold: pool.threshold, lowArmed: pool.low_armed, emptyArmed: pool.empty_armed });
  return { ...figures, decision };
}

function armingChange(pool: LockedPool, decision: PoolLevelDecision): RoundWrite['arming'] {
  const changed = decision.lowArmed !== pool.low_armed || decision.emptyArmed !== pool.empty_armed;
  return changed ? { lowArmed: decision.lowArmed, emptyArmed: decision.emptyArmed } : undefined;
}

/** Where the next round reads from (the same place to recount), or undefined when this round was the last. */
function nextPage(read: RoundRead, plan: ServePlan<QueuedLine>, stock: number, idle: number, after: string): string | undefined {
  if (plan.stop === 'kept' || idle >= MAX_IDLE_ROUNDS) return undefined;
  if (plan.stop === 'recount') return after;
  if ((read.counted < read.cap && stock === 0) || read.queue.length < QUEUE_PAGE) return undefined;
  return read.queue[read.queue.length - 1].seq;
}

async function countAvailable(manager: EntityManager, poolId: string): Promise<number> {
  const [{ n }] = await manager.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM license WHERE pool_id = $1 AND status = 'available'`, [poolId]);
  return n;
}
