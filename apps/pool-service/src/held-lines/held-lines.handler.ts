import { Injectable } from '@nestjs/common';
import type { Static } from '@sinclair/typebox';
import { DataSource } from 'typeorm';
import { type Caller, listedMerchant } from '@keypool/platform';
import { isUuid } from '../shared/ids';
import type { HeldLinePage, HeldLinesQuery, heldStatuses } from './held-lines.schemas';

export type HeldStatus = (typeof heldStatuses)[number];

export interface HeldLineView {
  orderId: string;
  lineId: string;
  merchantId: string;
  productId: string;
  currency: string;
  test: boolean;
  licenseCount: number;
  status: HeldStatus;
  reason: string | null;
  poolId: string | null;
  requestedAt: string;
}

/** Order lines pool-service holds, oldest first: the order they will be served in. A merchant sees its own; support every merchant's, or the one it names. */
@Injectable()
export class ListHeldLines {
  constructor(private readonly dataSource: DataSource) {}

  async list(caller: Caller, query: Static<typeof HeldLinesQuery>): Promise<Static<typeof HeldLinePage>> {
    // Not an id, so no pool and no line: an empty page rather than an error.
    if (query.poolId && !isUuid(query.poolId)) return { items: [], nextCursor: null };
    const filter = {
      merchantId: listedMerchant(caller, query.merchantId),
      status: query.status,
      poolId: query.poolId || undefined,
      limit: query.limit ?? 100,
      after: query.after,
    };
    const rows: (Record<string, unknown> & { seq: string })[] = await this.dataSource.query(
      `SELECT seq, order_id, line_id, merchant_id, product_id, currency, test, license_count, status, reason, pool_id, requested_at
         FROM allocation
        WHERE status <> 'allocated' AND status <> 'cancelled' AND ($1::text IS NULL OR merchant_id = $1) AND ($2::text IS NULL OR status = $2)
          AND ($3::uuid IS NULL OR pool_id = $3) AND seq > $4
        ORDER BY seq LIMIT $5`,
      [filter.merchantId ?? null, filter.status ?? null, filter.poolId ?? null, filter.after ?? '0', filter.limit + 1],
    );
    const items: HeldLineView[] = rows.slice(0, filter.limit).map((r) => ({
      orderId: r['order_id'] as string,
      lineId: r['line_id'] as string,
      merchantId: r['merchant_id'] as string,
      productId: r['product_id'] as string,
      currency: r['currency'] as string,
      test: r['test'] as boolean,
      licenseCount: r['license_count'] as number,
      status: r['status'] as HeldStatus,
      reason: r['reason'] as string | null,
      poolId: r['pool_id'] as string | null,
      requestedAt: (r['requested_at'] as Date).toISOString(),
    }));
    return { items, nextCursor: rows.length > filter.limit ? rows[filter.limit - 1].seq : null };
  }
}
