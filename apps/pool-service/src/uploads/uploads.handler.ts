import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Messaging, type Tx } from '@keypool/messaging';
import { type Caller, type Result, keyedHash, succeed, visibleTo } from '@keypool/platform';
import { PoolQueue } from '../stock/pool-queue';
import type { ImportReport } from '../import/import-report';
import { withLicenseChange } from '../ledger/license-change';
import { LICENSE_HASH_KEY, licenseHash } from '../licenses/license-hash';
import { findPool } from '../pools/pools.handler';
import { isUuid } from '../shared/ids';

/** Lists of sold licenses (and of values not found) stop here; their counts stay exact. */
export const RECALL_LIST_LIMIT = 1000;
/** At most this many values per bulk withdrawal. */
export const BULK_WITHDRAW_MAX = 1000;

export interface UploadView {
  uploadId: string;
  poolId: string;
  merchantId: string;
  label: string | null;
  createdAt: string;
  /** When the upload was first recalled; null if never. */
  recalledAt: string | null;
  report: ImportReport;
}

export interface UploadPage {
  items: UploadView[];
  /** Pass as `after` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface SoldLicense {
  licenseId: string;
  orderId: string;
  lineId: string;
}

export interface Recall {
  uploadId: string;
  /** Available licenses withdrawn by this call (0 on a repeat). */
  withdrawn: number;
  /** Licenses of the upload withdrawn before this call (by an earlier recall or one by one). */
  alreadyWithdrawn: number;
  /** Licenses already sold (allocated or revoked): they stay with their order line. */
  sold: { count: number; licenses: SoldLicense[] };
}

export interface BulkWithdrawal {
  withdrawn: number;
  alreadyWithdrawn: number;
  /** Sold licenses stay with their order line. */
  sold: { count: number; licenses: SoldLicense[] };
  /** Values (by their position in the list, from 0) that match no license of this pool. */
  notFound: { count: number; indexes: number[] };
}

interface UploadRow {
  id: string;
  pool_id: string;
  merchant_id: string;
  label: string | null;
  created_at: Date;
  recalled_at: Date | null;
  report: ImportReport;
}

interface MatchedRow {
  id: string;
  value_hash: Buffer;
  status: 'available' | 'allocated' | 'withdrawn' | 'revoked';
  order_id: string | null;
  line_id: string | null;
}

async function findUpload(manager: EntityManager, uploadId: string): Promise<UploadView | undefined> {
  if (!isUuid(uploadId)) return undefined;
  const [row]: UploadRow[] = await manager.query(`SELECT id, pool_id, merchant_id, label, created_at, recalled_at, report FROM upload WHERE id = $1`, [
    uploadId,
  ]);
  return row ? view(row) : undefined;
}

/** A pool's uploads (one per committed import), newest first (keyset on the time-ordered id). */
@Injectable()
export class ListUploads {
  constructor(private readonly dataSource: DataSource) {}

  async list(caller: Caller, poolId: string, page: { limit?: number; after?: string }): Promise<Result<UploadPage, 'not_found'>> {
    const pool = visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
    if (!pool.ok) return pool;
    const limit = page.limit ?? 20;
    const rows: UploadRow[] = await this.dataSource.query(
      `SELECT id, pool_id, merchant_id, label, created_at, recalled_at, report FROM upload
        WHERE pool_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [poolId, page.after || null, limit + 1],
    );
    const items = rows.slice(0, limit).map(view);
    return succeed({ items, nextCursor: rows.length > limit ? items[items.length - 1].uploadId : null });
  }
}

/** One upload: its label, time, stored report and when it was recalled. */
@Injectable()
export class ReadUpload {
  constructor(private readonly dataSource: DataSource) {}

  async read(caller: Caller, uploadId: string): Promise<Result<UploadView, 'not_found'>> {
    return visibleTo(caller, await findUpload(this.dataSource.manager, uploadId), 'Upload');
  }
}

/**
 * Recalls an upload: withdraws every available license of it in one transaction under the pool's
 * lock, with its counters and PoolLow alerts, exactly like withdrawing one license. A repeat
 * withdraws none and reports the same sold ones.
 */
@Injectable()
export class RecallUpload {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
    private readonly queue: PoolQueue,
  ) {}

  async recall(caller: Caller, uploadId: string): Promise<Result<Recall, 'not_found'>> {
    const found = visibleTo(caller, await findUpload(this.dataSource.manager, uploadId), 'Upload');
    if (!found.ok) return found;
    const upload = found.value;
    const keyId = caller.keyId;
    return succeed(
      await this.messaging.transactions.run(async (tx): Promise<Recall> => {
        const [pool] = await this.queue.lock(tx.manager, [upload.poolId]);
        const withdrawn = await withLicenseChange(tx.manager, { via: 'recall', uploadId: upload.uploadId, keyId }, () =>
          withdrawWhere(tx, upload.poolId, `upload_id = $1 AND pool_id = $2 AND status = 'available'`, [upload.uploadId, upload.poolId]),
        );
        await tx.manager.query(`UPDATE upload SET recalled_at = coalesce(recalled_at, now()) WHERE id = $1`, [upload.uploadId]);
        const [{ before, sold }]: { before: number; sold: number }[] = await tx.manager.query(
          `SELECT count(*) FILTER (WHERE status = 'withdrawn')::int AS before, count(*) FILTER (WHERE status IN ('allocated', 'revoked'))::int AS sold
           FROM license WHERE upload_id = $1`,
          [upload.uploadId],
        );
        const licenses: SoldLicense[] = (
          await tx.manager.query<{ id: string; order_id: string; line_id: string }[]>(
            `SELECT l.id, a.order_id, a.line_id FROM license l JOIN allocation a ON a.id = l.allocation_id
            WHERE l.upload_id = $1 AND l.status IN ('allocated', 'revoked') ORDER BY l.id LIMIT $2`,
            [upload.uploadId, RECALL_LIST_LIMIT],
          )
        ).map((row) => ({ licenseId: row.id, orderId: row.order_id, lineId: row.line_id }));
        if (withdrawn > 0 && !pool.archived_at) await this.queue.raiseAlerts(tx, pool);
        return { uploadId: upload.uploadId, withdrawn, alreadyWithdrawn: before - withdrawn, sold: { count: sold, licenses } };
      }),
    );
  }
}

/**
 * Withdraws a pool's licenses by value, found by their keyed hash (the values are hashed here and
 * never stored or logged). Rows not yet upgraded to the NFKC hash are matched by the hash of the
 * value as sent. Only available licenses are withdrawn, under the pool's lock, like one license.
 */
@Injectable()
export class WithdrawByValue {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: Messaging,
    private readonly queue: PoolQueue,
    @Inject(LICENSE_HASH_KEY) private readonly hashKey: Buffer,
  ) {}

  async withdraw(caller: Caller, poolId: string, values: readonly string[]): Promise<Result<BulkWithdrawal, 'not_found'>> {
    const visible = visibleTo(caller, await findPool(this.dataSource.manager, poolId), 'Pool');
    if (!visible.ok) return visible;
    const pool = visible.value;
    const keyId = caller.keyId;
    const current = values.map((value) => licenseHash(this.hashKey, value));
    const asSent = values.map((value) => keyedHash(this.hashKey, value));
    return succeed(
      await this.messaging.transactions.run(async (tx): Promise<BulkWithdrawal> => {
        const [locked] = await this.queue.lock(tx.manager, [pool.id]);
        const rows: MatchedRow[] = await tx.manager.query(
          `SELECT l.id, l.value_hash, l.status, a.order_id, a.line_id FROM license l LEFT JOIN allocation a ON a.id = l.allocation_id
          WHERE l.merchant_id = $1 AND l.pool_id = $2 AND l.value_hash = ANY($3::bytea[]) ORDER BY l.id FOR UPDATE OF l`,
          [pool.merchantId, pool.id, [...current, ...asSent]],
        );
        const byHash = new Map(rows.map((row) => [row.value_hash.toString('hex'), row]));
        const matched = new Map<string, MatchedRow>();
        const notFound: number[] = [];
        values.forEach((_, index) => {
          const row = byHash.get(current[index].toString('hex')) ?? byHash.get(asSent[index].toString('hex'));
          if (row) matched.set(row.id, row);
          else notFound.push(index);
        });
        const found = [...matched.values()];
        const available = found.filter((row) => row.status === 'available').map((row) => row.id);
        const sold = found.filter((row) => row.status === 'allocated' || row.status === 'revoked');
        const withdrawn =
          available.length === 0
            ? 0
            : await withLicenseChange(tx.manager, { via: 'bulk', keyId }, () =>
                withdrawWhere(tx, pool.id, `id = ANY($1::uuid[]) AND pool_id = $2 AND status = 'available'`, [available, pool.id]),
              );
        if (withdrawn > 0 && !locked.archived_at) await this.queue.raiseAlerts(tx, locked);
        return {
          withdrawn,
          alreadyWithdrawn: found.filter((row) => row.status === 'withdrawn').length,
          sold: {
            count: sold.length,
            licenses: sold.slice(0, RECALL_LIST_LIMIT).map((row) => ({ licenseId: row.id, orderId: row.order_id!, lineId: row.line_id! })),
          },
          notFound: { count: notFound.length, indexes: notFound.slice(0, RECALL_LIST_LIMIT) },
        };
      }),
    );
  }
}

/** Withdraws the matching licenses of one (locked) pool and counts them on the pool row. */
async function withdrawWhere(tx: Tx, poolId: string, where: string, params: unknown[]): Promise<number> {
  const [{ n }]: { n: number }[] = await tx.manager.query(
    `WITH done AS (UPDATE license SET status = 'withdrawn', withdrawn_at = now() WHERE ${where} RETURNING 1)
       SELECT count(*)::int AS n FROM done`,
    params,
  );
  if (n > 0) await tx.manager.query(`UPDATE pool SET withdrawn_licenses = withdrawn_licenses + $2 WHERE id = $1`, [poolId, n]);
  return n;
}

function view(row: UploadRow): UploadView {
  return {
    uploadId: row.id,
    poolId: row.pool_id,
    merchantId: row.merchant_id,
    label: row.label,
    createdAt: row.created_at.toISOString(),
    recalledAt: row.recalled_at?.toISOString() ?? null,
    report: row.report,
  };
}
