import { Injectable } from '@nestjs/common';
import type { Static } from '@sinclair/typebox';
import { DataSource, type EntityManager } from 'typeorm';
import { Messaging, type Tx } from '@keypool/messaging';
import { type Caller, type Result, actingMerchant, fail, listedMerchant, succeed, visibleTo } from '@keypool/platform';
import { RerouteHeldLines } from '../allocation/reroute-held-lines';
import { KeyFormat } from '../import/key-format';
import { isUuid } from '../shared/ids';
import { PoolQueue } from '../stock/pool-queue';
import type { PoolMode } from './pool.entity';
import { PoolRow, PoolView, poolsWithStockSql, toPoolView } from './pool-view';
import type { CreatePoolBody, ListPoolsQuery, UpdatePoolBody } from './pools.schemas';

const UNIQUE_VIOLATION = '23505';

/** A pool by id with its stock; undefined for an unknown id or one that is not a uuid. */
export async function findPool(manager: EntityManager, poolId: string): Promise<PoolView | undefined> {
  if (!isUuid(poolId)) return undefined;
  const [row]: PoolRow[] = await manager.query(poolsWithStockSql('p.id = $1'), [poolId]);
  return row ? toPoolView(row) : undefined;
}

/**
 * Reads one pool for a caller, and answers every other feature's "may this caller use this pool":
 * another merchant's pool is not found, exactly like a missing one.
 */
@Injectable()
export class ReadPool {
  constructor(private readonly dataSource: DataSource) {}

  async read(caller: Caller, poolId: string): Promise<Result<PoolView, 'not_found'>> {
    return visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
  }
}

/** Pools with their stock: a merchant's own, or for support every merchant's (or the one it names). */
@Injectable()
export class ListPools {
  constructor(private readonly dataSource: DataSource) {}

  async list(caller: Caller, query: Static<typeof ListPoolsQuery>): Promise<PoolView[]> {
    const merchantId = listedMerchant(caller, query.merchantId);
    const rows: PoolRow[] = await this.dataSource.query(
      poolsWithStockSql(`($1::text IS NULL OR p.merchant_id = $1) AND ($2::text IS NULL OR p.mode = $2) AND ($3 OR p.archived_at IS NULL)`),
      [merchantId ?? null, query.mode ?? null, query.includeArchived ?? false],
    );
    return rows.map(toPoolView);
  }
}

/**
 * Creates a pool, one per scope (common, product, product+currency) and mode. Creating re-routes
 * the merchant's held lines in the same transaction, so a new pool serves waiting orders at once.
 */
@Injectable()
export class CreatePool {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
    private readonly reroute: RerouteHeldLines,
  ) {}

  async create(caller: Caller, body: Static<typeof CreatePoolBody>): Promise<Result<PoolView, 'invalid' | 'conflict'>> {
    const scope = { mode: body.mode ?? 'live', productId: body.productId ?? null, currency: body.currency ?? null };
    if (scope.currency && !scope.productId) return fail('invalid', 'A currency pool needs a productId: currency pools are per product');
    const merchant = actingMerchant(caller, body.merchantId);
    if (!merchant.ok) return merchant;
    const pattern = checkedKeyPattern(body.keyPattern);
    if (!pattern.ok) return pattern;
    try {
      const id = await this.messaging.transactions.run(async (tx) => {
        await this.reroute.lockRouting(tx, merchant.value);
        const [{ id }]: { id: string }[] = await tx.manager.query(
          `INSERT INTO pool (merchant_id, product_id, currency, mode, name, threshold, refund_policy, key_pattern) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [
            merchant.value,
            scope.productId,
            scope.currency,
            scope.mode,
            body.name ?? defaultName(scope),
            body.threshold,
            body.refundPolicy ?? 'revoke',
            body.keyPattern ?? null,
          ],
        );
        await this.reroute.reroute(tx, merchant.value);
        return id;
      });
      return succeed((await findPool(this.dataSource.manager, id))!);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return fail('conflict', scopeTaken(scope));
      throw error;
    }
  }
}

/** Renames a pool or changes its threshold, refund policy or key format. A new threshold is judged at once: it may raise (or re-arm) the low alert. */
@Injectable()
export class UpdatePool {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
    private readonly queue: PoolQueue,
  ) {}

  async update(caller: Caller, poolId: string, change: Static<typeof UpdatePoolBody>): Promise<Result<PoolView, 'invalid' | 'not_found'>> {
    const pattern = checkedKeyPattern(change.keyPattern);
    if (!pattern.ok) return pattern;
    const found = visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
    if (!found.ok) return found;
    await this.messaging.transactions.run(async (tx) => {
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
    return succeed((await findPool(this.dataSource.manager, poolId))!);
  }
}

/**
 * Archives a pool: it keeps its licenses but routes nothing; its held lines move to the next
 * matching pool or become unroutable, in the transaction that archives it.
 */
@Injectable()
export class ArchivePool {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
    private readonly reroute: RerouteHeldLines,
  ) {}

  async archive(caller: Caller, poolId: string): Promise<Result<PoolView, 'not_found'>> {
    const found = visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
    if (!found.ok) return found;
    await changeRouting(this.messaging, this.reroute, found.value.merchantId, (tx) =>
      tx.manager.query(`UPDATE pool SET archived_at = coalesce(archived_at, now()), updated_at = now() WHERE id = $1`, [poolId]),
    );
    return succeed((await findPool(this.dataSource.manager, poolId))!);
  }
}

/** Restores an archived pool: it routes again and serves held lines at once, unless another pool has taken its scope since. */
@Injectable()
export class RestorePool {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
    private readonly reroute: RerouteHeldLines,
  ) {}

  async restore(caller: Caller, poolId: string): Promise<Result<PoolView, 'not_found' | 'conflict'>> {
    const found = visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
    if (!found.ok) return found;
    try {
      await changeRouting(this.messaging, this.reroute, found.value.merchantId, (tx) =>
        tx.manager.query(`UPDATE pool SET archived_at = NULL, updated_at = now() WHERE id = $1`, [poolId]),
      );
      return succeed((await findPool(this.dataSource.manager, poolId))!);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return fail('conflict', scopeTaken(found.value));
      throw error;
    }
  }
}

/** A change of what routes where, under the merchant's routing lock, then its held lines re-routed in the same transaction. */
function changeRouting(messaging: Messaging, reroute: RerouteHeldLines, merchantId: string, change: (tx: Tx) => Promise<unknown>): Promise<void> {
  return messaging.transactions.run(async (tx) => {
    await reroute.lockRouting(tx, merchantId);
    await change(tx);
    await reroute.reroute(tx, merchantId);
  });
}

/** The pattern as sent if it compiles (RE2, at most 200 characters); otherwise 400 saying why. */
function checkedKeyPattern(pattern: string | null | undefined): Result<string | null | undefined, 'invalid'> {
  if (typeof pattern !== 'string') return succeed(pattern);
  const format = KeyFormat.compile(pattern);
  return format instanceof KeyFormat ? succeed(pattern) : fail('invalid', format.problem);
}

type Scope = { mode: PoolMode; productId: string | null; currency: string | null };

function scopeLabel(scope: Scope): string {
  const what = scope.productId ? `product ${scope.productId}${scope.currency ? ` in ${scope.currency}` : ''}` : 'all products (common pool)';
  return `${scope.mode} pool for ${what}`;
}

function defaultName(scope: Scope): string {
  const label = scopeLabel(scope);
  return label.charAt(0).toUpperCase() + label.slice(1);
}

function scopeTaken(scope: Scope): string {
  return `You already have a ${scopeLabel(scope)}; add licenses to it, or archive it first`;
}
