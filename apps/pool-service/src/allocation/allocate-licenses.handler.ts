import { Injectable } from '@nestjs/common';
import type { AllocationRequestedData, LicenseAllocatedData } from '@keypool/contracts';
import { type Envelope, type Tx, strictLiteral } from '@keypool/messaging';
import { SecretBox, type UnnestColumn, literalRows, orderedUuids, statementsInOneRoundTrip, unnestRows } from '@keypool/platform';
import { allocationEventContext, allocationRequestContext } from '../keys/sealed-columns';
import { PoolEvents } from '../shared/pool-events';
import type { AllocationRow } from './allocation.entity';
import { LockedPool, MAX_PICK, PoolQueue, PoolServed, lockPoolsSql } from '../stock/pool-queue';
import { ORDER_LOCK_PREFIX } from './order-line-locks';
import { routeSql, routingLockKey, unroutableReasonSql } from './routing';

/**
 * Handles a chunk of AllocationRequested in the consumer's one transaction, set-based: one
 * insert routes and records every new line, each touched pool serves its queue once, and
 * repeats re-publish what was decided before (the same LicenseAllocated event, same id).
 */
@Injectable()
export class AllocateLicensesHandler {
  constructor(
    private readonly cipher: SecretBox,
    private readonly events: PoolEvents,
    private readonly queue: PoolQueue,
  ) {}

  async allocate(requests: AllocationRequestedData[], tx: Tx): Promise<void> {
    const unique = [...new Map(requests.map((r) => [`${r.orderId}\u0000${r.lineId}`, r])).values()];
    if (unique.length === 0) return;
    const { inserted, pools, recorded } = await this.recordNewLines(tx, unique);
    const insertedKeys = new Set(inserted.map((l) => `${l.order_id}\u0000${l.line_id}`));
    const repeats = unique.filter((r) => !insertedKeys.has(`${r.orderId}\u0000${r.lineId}`));
    await this.republish(tx, repeats);

    const outcomes = await this.queue.serveLocked(tx, pools, recorded);
    await this.deferHeld(tx, inserted, outcomes);
  }

  /**
   * Takes the locks, then records the new lines and locks the pools they wait in: two statements
   * in one round trip. The second takes its snapshot once the first has its locks, so routing
   * sees every pool committed before, and a refund recorded first is seen; its pool rows are read
   * once each pool lock is granted.
   */
  private async recordNewLines(
    tx: Tx,
    requests: AllocationRequestedData[],
  ): Promise<{ inserted: AllocationRow[]; pools: LockedPool[]; recorded: Map<string, Map<string, AllocationRequestedData>> }> {
    // Ids are made here, not by the database, because each request is sealed bound to its row's id.
    const ids = orderedUuids(requests.length).text;
    const rows = requests.map((request, i) => ({ request, id: ids[i], ord: i }));
    const [, [recorded]] = await statementsInOneRoundTrip(
      tx.manager,
      strictLiteral,
      (literal) => {
        const texts = (values: string[]) => `ARRAY[${values.map(literal).join(', ')}]::text[]`;
        return [
          takeLocksSql(texts([...new Set(requests.map((r) => routingLockKey(r.merchantId)))]), texts([...new Set(requests.map((r) => r.orderId))].sort())),
          recordLinesSql(literalRows(rows, this.lineColumns(), literal, { alias: 'r' }).from),
        ];
      },
      { requireTransaction: true },
    );
    const { inserted, pools } = recorded as { inserted: AllocationRow[]; pools: LockedPool[] };
    // The requests of the lines now waiting, by pool and by the ids their rows were given, for the
    // serve that follows in this transaction. json_agg gives the pools' timestamps as text.
    const requestOf = new Map(rows.map((r) => [r.id, r.request]));
    const recordedLines = new Map<string, Map<string, AllocationRequestedData>>();
    for (const line of inserted) {
      if (line.status !== 'awaiting_stock') continue;
      const inPool = recordedLines.get(line.pool_id!) ?? new Map<string, AllocationRequestedData>();
      recordedLines.set(line.pool_id!, inPool.set(line.id, requestOf.get(line.id)!));
    }
    return { inserted, pools: pools.map((p) => ({ ...p, archived_at: p.archived_at && new Date(p.archived_at) })), recorded: recordedLines };
  }

  private lineColumns(): Record<string, UnnestColumn<{ request: AllocationRequestedData; id: string; ord: number }>> {
    return {
      order_id: ['text', (row) => row.request.orderId],
      line_id: ['text', (row) => row.request.lineId],
      merchant_id: ['text', (row) => row.request.merchantId],
      product_id: ['text', (row) => row.request.productId],
      currency: ['text', (row) => row.request.currency],
      test: ['boolean', (row) => row.request.test],
      license_count: ['int', (row) => row.request.licenseCount],
      // Hex, decoded by the statement: a plain literal, where a bytea one would need escaping.
      request: ['text', (row) => this.cipher.encrypt(JSON.stringify(row.request), allocationRequestContext(row.id)).toString('hex')],
      id: ['uuid', (row) => row.id],
      ord: ['int', (row) => row.ord],
    };
  }

  /** A line asked for again gets the answer it already had: never new licenses. */
  private async republish(tx: Tx, repeats: AllocationRequestedData[]): Promise<void> {
    if (repeats.length === 0) return;
    const k = unnestRows(repeats, { order_id: ['text', (r) => r.orderId], line_id: ['text', (r) => r.lineId] }, { alias: 'k' });
    const known: AllocationRow[] = await tx.manager.query(
      `SELECT a.id, a.order_id, a.line_id, a.merchant_id, a.product_id, a.license_count, a.pool_id, a.status, a.reason, a.event
         FROM allocation a JOIN ${k.from}
           ON a.order_id = k.order_id AND a.line_id = k.line_id`,
      k.parameters,
    );
    const allocated = known
      .filter((l) => l.status === 'allocated')
      .map((l) => JSON.parse(this.cipher.decryptText(l.event!, allocationEventContext(l.id))) as Envelope<LicenseAllocatedData>);
    allocated.forEach((e) => tx.publish(this.events.licenseAllocatedAgain(e)));
    known
      .filter((l) => l.status === 'awaiting_stock' || l.status === 'unroutable')
      .forEach((l) => tx.publish(this.events.heldLine(l, l.reason ?? 'The line is held until it can be served')));
  }

  private async deferHeld(tx: Tx, inserted: AllocationRow[], outcomes: PoolServed[]): Promise<void> {
    const served = new Set(outcomes.flatMap((o) => o.served));
    const byPool = new Map(outcomes.map((o) => [o.pool.id, o]));
    const held = inserted.filter((l) => l.status === 'unroutable' || (l.status === 'awaiting_stock' && !served.has(l.id)));
    const reasons = held.map((line) => (line.status === 'unroutable' ? line.reason! : awaitingStockReason(line, byPool.get(line.pool_id!))));
    held.forEach((line, i) => tx.publish(this.events.heldLine(line, reasons[i])));
    const awaiting = held.map((l, i) => ({ l, reason: reasons[i] })).filter(({ l }) => l.status === 'awaiting_stock');
    if (awaiting.length === 0) return;
    const s = unnestRows(awaiting, { id: ['uuid', ({ l }) => l.id], reason: ['text', ({ reason }) => reason] }, { alias: 's' });
    await tx.manager.query(`UPDATE allocation a SET reason = s.reason FROM ${s.from} WHERE a.id = s.id`, s.parameters);
  }
}

/**
 * The merchants' routing locks (shared, in hash order), then the order locks exactly as
 * lockOrderLines takes them (sorted ids), in one statement. PostgreSQL calls the lock functions
 * after the sort, so the order holds. The arguments are text arrays of routing keys and order ids.
 */
function takeLocksSql(routingKeys: string, orderIds: string): string {
  return `SELECT CASE WHEN l.phase = 0 THEN pg_advisory_xact_lock_shared(l.k) ELSE pg_advisory_xact_lock(l.k) END
            FROM (SELECT DISTINCT 0 AS phase, hashtextextended(m, 0) AS k, hashtextextended(m, 0) AS ord FROM unnest(${routingKeys}) m
                  UNION ALL
                  SELECT 1, hashtextextended('${ORDER_LOCK_PREFIX}' || u.id, 0), u.n FROM unnest(${orderIds}) WITH ORDINALITY AS u(id, n)) l
           ORDER BY l.phase, l.ord`;
}

/** Routes and records the lines `from` gives (alias r), and locks the pools the new ones wait in: one row, both as JSON. */
function recordLinesSql(from: string): string {
  const line = { merchant: 'r.merchant_id', product: 'r.product_id', currency: 'r.currency', test: 'r.test' };
  return `WITH inserted AS (
            INSERT INTO allocation (id, order_id, line_id, merchant_id, product_id, currency, test, license_count, pool_id, status, reason, request)
            SELECT r.id, r.order_id, r.line_id, r.merchant_id, r.product_id, r.currency, r.test, r.license_count, routed.pool_id,
                   CASE WHEN refunded.at IS NOT NULL THEN 'cancelled' WHEN routed.pool_id IS NULL THEN 'unroutable' ELSE 'awaiting_stock' END,
                   CASE WHEN refunded.at IS NOT NULL THEN 'Cancelled by a refund that came before the request; never served'
                        WHEN routed.pool_id IS NULL THEN ${unroutableReasonSql(line)} END,
                   decode(r.request, 'hex')
              FROM ${from}
              CROSS JOIN LATERAL (SELECT ${routeSql(line)} AS pool_id) routed
              -- A refund recorded first (under the same order lock) cancels the line before it waits.
              LEFT JOIN LATERAL (SELECT t.refunded_at AS at FROM refunded_line t WHERE t.order_id = r.order_id AND t.line_id = r.line_id) refunded ON true
             ORDER BY r.ord
            ON CONFLICT (order_id, line_id) DO NOTHING
            RETURNING id, order_id, line_id, merchant_id, product_id, license_count, pool_id, status, reason, NULL::bytea AS event),
          locked AS (${lockPoolsSql(`ARRAY(SELECT pool_id FROM inserted WHERE status = 'awaiting_stock')`)})
          SELECT (SELECT coalesce(json_agg(inserted), '[]') FROM inserted) AS inserted,
                 (SELECT coalesce(json_agg(locked ORDER BY id), '[]') FROM locked) AS pools`;
}

/** Why a line waits in its pool, in words a merchant can act on (license values never appear). */
export function awaitingStockReason(line: Pick<AllocationRow, 'license_count' | 'pool_id'>, outcome: PoolServed | undefined): string {
  const pool = `pool "${outcome?.pool.name ?? line.pool_id}"`;
  if (line.license_count > MAX_PICK) {
    return `The line needs ${line.license_count} licenses, more than one line can take (${MAX_PICK}); it is not served automatically and no stock is kept for it`;
  }
  const stock = outcome?.stock ?? 0;
  if (line.license_count > stock) {
    return `Not enough licenses in ${pool} (${stock} available, the line needs ${line.license_count}). The line is served automatically as soon as licenses are imported; older lines that fit are served first`;
  }
  if (outcome?.keptForOlder) {
    return `The licenses in ${pool} are kept for an older line that has waited longest; this line is served after it, automatically, as soon as enough licenses are imported`;
  }
  return `The line waits behind older lines in ${pool} and is served automatically, oldest first among the lines that fit`;
}
