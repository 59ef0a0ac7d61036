import type { DataSource } from 'typeorm';
import type { Transactions, Tx } from '@keypool/messaging';
import { PoolQueue } from '../stock/pool-queue';
import { RerouteHeldLines } from '../allocation/reroute-held-lines';
import { isUuid } from '../shared/ids';
import type { RefundPolicy } from '../refunds/refund-allocations.handler';
import type { PoolMode } from './pool.entity';
import { PoolRow, PoolView, poolsWithStockSql, toPoolView } from './pool-view';

export interface NewPool {
  merchantId: string;
  name?: string;
  mode: PoolMode;
  productId: string | null;
  currency: string | null;
  threshold: number;
  refundPolicy?: RefundPolicy;
  keyPattern?: string | null;
}

export interface PoolUpdate {
  name?: string;
  threshold?: number;
  refundPolicy?: RefundPolicy;
  /** undefined keeps the key format; null removes it. */
  keyPattern?: string | null;
}

export type PoolChange<T = PoolView> = { ok: true; pool: T } | { ok: false; problem: 'not-found' } | { ok: false; problem: 'scope-taken'; message: string };

const UNIQUE_VIOLATION = '23505';

/**
 * Pools as merchants manage them. Every change of what routes where re-routes the merchant's
 * held lines in the same transaction, so a new (or restored) pool serves waiting orders at once.
 */
export class PoolsHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: Transactions,
    private readonly queue: PoolQueue,
    private readonly reroute: RerouteHeldLines,
  ) {}

  async create(input: NewPool): Promise<PoolChange> {
    try {
      const id = await this.transactions.run(async (tx) => {
        await this.reroute.lockRouting(tx, input.merchantId);
        const [{ id }] = await tx.manager.query(
          `INSERT INTO pool (merchant_id, product_id, currency, mode, name, threshold, refund_policy, key_pattern) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [
            input.merchantId,
            input.productId,
            input.currency,
            input.mode,
            input.name ?? defaultName(input),
            input.threshold,
            input.refundPolicy ?? 'revoke',
            input.keyPattern ?? null,
          ],
        );
        await this.reroute.reroute(tx, input.merchantId);
        return id as string;
      });
      return { ok: true, pool: (await this.find(id))! };
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return { ok: false, problem: 'scope-taken', message: scopeTaken(input) };
      throw error;
    }
  }

  async list(filter: { merchantId?: string; mode?: PoolMode; includeArchived: boolean }): Promise<PoolView[]> {
    const rows: PoolRow[] = await this.dataSource.query(
      poolsWithStockSql(`($1::text IS NULL OR p.merchant_id = $1) AND ($2::text IS NULL OR p.mode = $2) AND ($3 OR p.archived_at IS NULL)`),
      [filter.merchantId ?? null, filter.mode ?? null, filter.includeArchived],
    );
    return rows.map(toPoolView);
  }

  async find(poolId: string): Promise<PoolView | undefined> {
    if (!isUuid(poolId)) return undefined;
    const [row] = await this.dataSource.query(poolsWithStockSql('p.id = $1'), [poolId]);
    return row ? toPoolView(row) : undefined;
  }

  /** A new threshold is judged at once: it may raise (or re-arm) the low alert. */
  async update(poolId: string, change: PoolUpdate): Promise<PoolView> {
    await this.transactions.run(async (tx) => {
      const [pool] = await this.queue.lock(tx.manager, [poolId]);
      await tx.manager.query(
        `UPDATE pool SET name = coalesce($2, name), threshold = coalesce($3, threshold), refund_policy = coalesce($4, refund_policy),
                key_pattern = CASE WHEN $5 THEN $6 ELSE key_pattern END, updated_at = now() WHERE id = $1`,
        [poolId, change.name ?? null, change.threshold ?? null, change.refundPolicy ?? null, change.keyPattern !== undefined, change.keyPattern ?? null],
      );
      if (change.threshold !== undefined && !pool.archived_at) {
        await this.queue.raiseAlerts(tx, { ...pool, threshold: change.threshold });
      }
    });
    return (await this.find(poolId))!;
  }

  /** Archived pools keep their licenses but route nothing; their held lines move on or become unroutable. */
  async archive(pool: PoolView): Promise<PoolView> {
    await this.changeRouting(pool.merchantId, (tx) =>
      tx.manager.query(`UPDATE pool SET archived_at = coalesce(archived_at, now()), updated_at = now() WHERE id = $1`, [pool.id]),
    );
    return (await this.find(pool.id))!;
  }

  async restore(pool: PoolView): Promise<PoolChange> {
    try {
      await this.changeRouting(pool.merchantId, (tx) => tx.manager.query(`UPDATE pool SET archived_at = NULL, updated_at = now() WHERE id = $1`, [pool.id]));
      return { ok: true, pool: (await this.find(pool.id))! };
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return { ok: false, problem: 'scope-taken', message: scopeTaken(pool) };
      throw error;
    }
  }

  private changeRouting(merchantId: string, change: (tx: Tx) => Promise<unknown>): Promise<void> {
    return this.transactions.run(async (tx) => {
      await this.reroute.lockRouting(tx, merchantId);
      await change(tx);
      await this.reroute.reroute(tx, merchantId);
    });
  }
}

function scopeLabel(scope: { mode: PoolMode; productId: string | null; currency: string | null }): string {
  const what = scope.productId ? `product ${scope.productId}${scope.currency ? ` in ${scope.currency}` : ''}` : 'all products (common pool)';
  return `${scope.mode} pool for ${what}`;
}

function defaultName(scope: NewPool): string {
  const label = scopeLabel(scope);
  return label.charAt(0).toUpperCase() + label.slice(1);
}

function scopeTaken(scope: { mode: PoolMode; productId: string | null; currency: string | null }): string {
  return `You already have a ${scopeLabel(scope)}; add licenses to it, or archive it first`;
}
