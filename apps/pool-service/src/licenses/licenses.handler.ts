import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Messaging } from '@keypool/messaging';
import { type Caller, REVEAL_REASON, type Result, SecretBox, fail, recordReveal, succeed, visibleTo } from '@keypool/platform';
import { findPool } from '../pools/pools.handler';
import { PoolQueue } from '../stock/pool-queue';
import { licenseValueContext } from '../keys/sealed-columns';
import { withLicenseChange } from '../ledger/license-change';
import { appendRevealed } from '../ledger/ledger-writes';
import { isUuid } from '../shared/ids';
import type { LicenseStatus } from './license.entity';
import { maskLicense } from './mask';

export interface LicenseView {
  licenseId: string;
  value: string;
  masked: boolean;
  status: LicenseStatus;
  importedAt: string;
  allocatedAt: string | null;
  withdrawnAt: string | null;
  orderId: string | null;
  lineId: string | null;
}

/** One license found by id across pools (GET /v1/licenses/{licenseId}), for its merchant or support. */
export interface LicenseDetail extends LicenseView {
  poolId: string;
  merchantId: string;
  productId: string | null;
  test: boolean;
  revokedAt: string | null;
}

export interface LicensePage {
  items: LicenseView[];
  /** Pass as `after` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface RevealedLicense {
  licenseId: string;
  value: string;
  auditId: string;
}

const NOT_IN_POOL = 'License not found in this pool';

interface LicenseRow {
  id: string;
  seq: string;
  value: Buffer;
  status: LicenseStatus;
  imported_at: Date;
  allocated_at: Date | null;
  withdrawn_at: Date | null;
  order_id: string | null;
  line_id: string | null;
}

/** A page of a pool's licenses (keyset on import order), values masked for every caller: values leave only through RevealLicense. */
@Injectable()
export class ListLicenses {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
  ) {}

  async list(caller: Caller, poolId: string, page: { status?: LicenseStatus; limit?: number; after?: string }): Promise<Result<LicensePage, 'not_found'>> {
    const pool = visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
    if (!pool.ok) return pool;
    const limit = page.limit ?? 100;
    const rows: LicenseRow[] = await this.dataSource.query(
      `SELECT l.id, l.seq, l.value, l.status, l.imported_at, l.allocated_at, l.withdrawn_at, a.order_id, a.line_id
         FROM license l LEFT JOIN allocation a ON a.id = l.allocation_id
        WHERE l.pool_id = $1 AND ($2::text IS NULL OR l.status = $2) AND l.seq > $3
        ORDER BY l.seq LIMIT $4`,
      [poolId, page.status ?? null, page.after ?? '0', limit + 1],
    );
    const items = rows.slice(0, limit).map((row) => licenseView(this.cipher, row));
    return succeed({ items, nextCursor: rows.length > limit ? rows[limit - 1].seq : null });
  }
}

/**
 * One license by id, whatever its pool: its status (revoked included), pool and, once sold, its
 * order line; the value masked as in every view. Another merchant's license is not found, like
 * an unknown id. The ledger reads the license it tells the history of through this too.
 */
@Injectable()
export class FindLicense {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
  ) {}

  async find(caller: Caller, licenseId: string): Promise<Result<LicenseDetail, 'not_found'>> {
    return visibleTo(caller, await this.byId(this.dataSource.manager, licenseId), 'License');
  }

  private async byId(manager: EntityManager, licenseId: string): Promise<LicenseDetail | undefined> {
    if (!isUuid(licenseId)) return undefined;
    const [row]: (LicenseRow & { pool_id: string; merchant_id: string; product_id: string | null; mode: string; revoked_at: Date | null })[] =
      await manager.query(
        `SELECT l.id, l.seq, l.value, l.status, l.imported_at, l.allocated_at, l.withdrawn_at, l.revoked_at, a.order_id, a.line_id,
                p.id AS pool_id, p.merchant_id, p.product_id, p.mode
           FROM license l JOIN pool p ON p.id = l.pool_id LEFT JOIN allocation a ON a.id = l.allocation_id
          WHERE l.id = $1`,
        [licenseId],
      );
    if (!row) return undefined;
    return {
      ...licenseView(this.cipher, row),
      poolId: row.pool_id,
      merchantId: row.merchant_id,
      productId: row.product_id,
      test: row.mode === 'test',
      revokedAt: row.revoked_at?.toISOString() ?? null,
    };
  }
}

/**
 * One license's value, for its merchant or support, recorded in the reveal audit log (who,
 * when, which, why) and in the license ledger in the same transaction that reads it.
 */
@Injectable()
export class RevealLicense {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
  ) {}

  async reveal(caller: Caller, poolId: string, licenseId: string, reason: string): Promise<Result<RevealedLicense, 'invalid' | 'not_found'>> {
    const pool = visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
    if (!pool.ok) return pool;
    const why = reason.trim();
    if (why.length < REVEAL_REASON.min) {
      return fail('invalid', `body.reason: say why you need the value, in ${REVEAL_REASON.min}–${REVEAL_REASON.max} characters (e.g. a ticket number)`);
    }
    if (!isUuid(licenseId)) return fail('not_found', NOT_IN_POOL);
    return this.dataSource.transaction(async (manager): Promise<Result<RevealedLicense, 'not_found'>> => {
      const [row]: { value: Buffer }[] = await manager.query(`SELECT value FROM license WHERE id = $1 AND pool_id = $2`, [licenseId, poolId]);
      if (!row) return fail('not_found', NOT_IN_POOL);
      const value = this.cipher.decryptText(row.value, licenseValueContext(licenseId));
      const auditId = await recordReveal(manager, caller, {
        merchantId: pool.value.merchantId,
        subject: { kind: 'license', poolId, licenseId },
        licenseIds: [licenseId],
        reason: why,
      });
      await appendRevealed(manager, licenseId, { auditId, keyId: caller.keyId, callerKind: caller.kind });
      return succeed({ licenseId, value, auditId });
    });
  }
}

/**
 * Withdraws an unused license; withdrawing twice is fine, a sold one is refused. Its pool's
 * alerts are judged in the same transaction; the caller's key id goes into the ledger entry.
 */
@Injectable()
export class WithdrawLicense {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
    private readonly queue: PoolQueue,
  ) {}

  async withdraw(caller: Caller, poolId: string, licenseId: string): Promise<Result<void, 'not_found' | 'conflict'>> {
    const visible = visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
    if (!visible.ok) return visible;
    if (!isUuid(licenseId)) return fail('not_found', NOT_IN_POOL);
    return this.messaging.transactions.run(async (tx): Promise<Result<void, 'not_found' | 'conflict'>> => {
      const [pool] = await this.queue.lock(tx.manager, [poolId]);
      const [license]: { status: LicenseStatus; order_id: string | null; line_id: string | null }[] = await tx.manager.query(
        `SELECT l.status, a.order_id, a.line_id FROM license l LEFT JOIN allocation a ON a.id = l.allocation_id
          WHERE l.id = $1 AND l.pool_id = $2 FOR UPDATE OF l`,
        [licenseId, poolId],
      );
      if (!license) return fail('not_found', NOT_IN_POOL);
      // A revoked license stays tied to the line it was sold to, like an allocated one.
      if (license.status === 'allocated' || license.status === 'revoked') {
        return fail('conflict', `This license was allocated to order ${license.order_id!} line ${license.line_id!}; allocated licenses cannot be withdrawn`);
      }
      if (license.status === 'withdrawn') return succeed(undefined);
      await withLicenseChange(tx.manager, { via: 'single', keyId: caller.keyId }, () =>
        tx.manager.query(`UPDATE license SET status = 'withdrawn', withdrawn_at = now() WHERE id = $1`, [licenseId]),
      );
      await tx.manager.query(`UPDATE pool SET withdrawn_licenses = withdrawn_licenses + 1 WHERE id = $1`, [poolId]);
      if (!pool.archived_at) await this.queue.raiseAlerts(tx, pool);
      return succeed(undefined);
    });
  }
}

function licenseView(cipher: SecretBox, row: LicenseRow): LicenseView {
  return {
    licenseId: row.id,
    value: maskLicense(cipher.decryptText(row.value, licenseValueContext(row.id))),
    masked: true,
    status: row.status,
    importedAt: row.imported_at.toISOString(),
    allocatedAt: row.allocated_at?.toISOString() ?? null,
    withdrawnAt: row.withdrawn_at?.toISOString() ?? null,
    orderId: row.order_id,
    lineId: row.line_id,
  };
}
