import type { DataSource } from 'typeorm';
import type { Transactions } from '@keypool/messaging';
import { type Caller, type SecretBox, recordReveal } from '@keypool/platform';
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

export type Reveal = { ok: true; licenseId: string; value: string; auditId: string } | { ok: false };

export type Withdrawal = { ok: true } | { ok: false; problem: 'not-found' } | { ok: false; problem: 'allocated'; orderId: string; lineId: string };

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

/** A pool's licenses: listed a page at a time (keyset on import order) and withdrawn while unused. */
export class LicensesHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: Transactions,
    private readonly cipher: SecretBox,
    private readonly queue: PoolQueue,
  ) {}

  /** A page of licenses with masked values, for every caller: values leave only through reveal(). */
  async list(poolId: string, page: { status?: LicenseStatus; limit: number; after?: string }): Promise<LicensePage> {
    const rows: LicenseRow[] = await this.dataSource.query(
      `SELECT l.id, l.seq, l.value, l.status, l.imported_at, l.allocated_at, l.withdrawn_at, a.order_id, a.line_id
         FROM license l LEFT JOIN allocation a ON a.id = l.allocation_id
        WHERE l.pool_id = $1 AND ($2::text IS NULL OR l.status = $2) AND l.seq > $3
        ORDER BY l.seq LIMIT $4`,
      [poolId, page.status ?? null, page.after ?? '0', page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map((row) => this.view(row));
    return { items, nextCursor: rows.length > page.limit ? rows[page.limit - 1].seq : null };
  }

  /**
   * One license by id, whatever its pool: its status (revoked included), pool and, once sold, its
   * order line; the value masked as in every view. Undefined for an unknown id; the caller's
   * merchant is checked by the controller (another merchant's license is not found).
   */
  async findOne(licenseId: string): Promise<LicenseDetail | undefined> {
    if (!isUuid(licenseId)) return undefined;
    const [row]: (LicenseRow & { pool_id: string; merchant_id: string; product_id: string | null; mode: string; revoked_at: Date | null })[] =
      await this.dataSource.query(
        `SELECT l.id, l.seq, l.value, l.status, l.imported_at, l.allocated_at, l.withdrawn_at, l.revoked_at, a.order_id, a.line_id,
                p.id AS pool_id, p.merchant_id, p.product_id, p.mode
           FROM license l JOIN pool p ON p.id = l.pool_id LEFT JOIN allocation a ON a.id = l.allocation_id
          WHERE l.id = $1`,
        [licenseId],
      );
    if (!row) return undefined;
    return {
      ...this.view(row),
      poolId: row.pool_id,
      merchantId: row.merchant_id,
      productId: row.product_id,
      test: row.mode === 'test',
      revokedAt: row.revoked_at?.toISOString() ?? null,
    };
  }

  /**
   * One license's value, for its merchant or support, recorded in the reveal audit log (who,
   * when, which, why) in the same transaction that reads it.
   */
  async reveal(caller: Caller, pool: { id: string; merchantId: string }, licenseId: string, reason: string): Promise<Reveal> {
    if (!isUuid(licenseId)) return { ok: false };
    return this.dataSource.transaction(async (manager): Promise<Reveal> => {
      const [row]: { value: Buffer }[] = await manager.query(`SELECT value FROM license WHERE id = $1 AND pool_id = $2`, [licenseId, pool.id]);
      if (!row) return { ok: false };
      const value = this.cipher.decryptText(row.value, licenseValueContext(licenseId));
      const auditId = await recordReveal(manager, caller, {
        merchantId: pool.merchantId,
        subject: { kind: 'license', poolId: pool.id, licenseId },
        licenseIds: [licenseId],
        reason,
      });
      await appendRevealed(manager, licenseId, { auditId, keyId: caller.keyId, callerKind: caller.kind });
      return { ok: true, licenseId, value, auditId };
    });
  }

  /** Withdraws an unused license; its pool's alerts are judged in the same transaction. `keyId` (the caller's) goes into the ledger entry. */
  async withdraw(poolId: string, licenseId: string, keyId?: string): Promise<Withdrawal> {
    if (!isUuid(licenseId)) return { ok: false, problem: 'not-found' };
    return this.transactions.run(async (tx): Promise<Withdrawal> => {
      const [pool] = await this.queue.lock(tx.manager, [poolId]);
      const [license]: { status: LicenseStatus; order_id: string | null; line_id: string | null }[] = await tx.manager.query(
        `SELECT l.status, a.order_id, a.line_id FROM license l LEFT JOIN allocation a ON a.id = l.allocation_id
          WHERE l.id = $1 AND l.pool_id = $2 FOR UPDATE OF l`,
        [licenseId, poolId],
      );
      if (!license) return { ok: false, problem: 'not-found' };
      // A revoked license stays tied to the line it was sold to, like an allocated one.
      if (license.status === 'allocated' || license.status === 'revoked')
        return { ok: false, problem: 'allocated', orderId: license.order_id!, lineId: license.line_id! };
      if (license.status === 'withdrawn') return { ok: true };
      await withLicenseChange(tx.manager, { via: 'single', keyId }, () =>
        tx.manager.query(`UPDATE license SET status = 'withdrawn', withdrawn_at = now() WHERE id = $1`, [licenseId]),
      );
      await tx.manager.query(`UPDATE pool SET withdrawn_licenses = withdrawn_licenses + 1 WHERE id = $1`, [poolId]);
      if (!pool.archived_at) await this.queue.raiseAlerts(tx, pool);
      return { ok: true };
    });
  }

  private view(row: LicenseRow): LicenseView {
    return {
      licenseId: row.id,
      value: maskLicense(this.cipher.decryptText(row.value, licenseValueContext(row.id))),
      masked: true,
      status: row.status,
      importedAt: row.imported_at.toISOString(),
      allocatedAt: row.allocated_at?.toISOString() ?? null,
      withdrawnAt: row.withdrawn_at?.toISOString() ?? null,
      orderId: row.order_id,
      lineId: row.line_id,
    };
  }
}
