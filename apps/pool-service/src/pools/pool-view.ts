import type { Static } from '@sinclair/typebox';
import type { RefundPolicy } from '../refunds/refund-allocations.handler';
import type { PoolMode } from './pool.entity';
import type { PoolViewSchema } from './pools.schemas';

/** A pool with its stock, as every endpoint answers it (schema: PoolViewSchema). */
export type PoolView = Static<typeof PoolViewSchema>;

export interface PoolRow {
  id: string;
  merchant_id: string;
  name: string;
  mode: PoolMode;
  product_id: string | null;
  currency: string | null;
  threshold: number;
  refund_policy: RefundPolicy;
  key_pattern: string | null;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
  available: number;
  allocated: number;
  withdrawn: number;
  backordered: number;
}

export function toPoolView(row: PoolRow): PoolView {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    name: row.name,
    mode: row.mode,
    productId: row.product_id,
    currency: row.currency,
    threshold: row.threshold,
    refundPolicy: row.refund_policy,
    keyPattern: row.key_pattern,
    archived: row.archived_at !== null,
    available: Number(row.available),
    allocated: Number(row.allocated),
    withdrawn: Number(row.withdrawn),
    backordered: Number(row.backordered),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}

/**
 * Pools with their stock; `where` filters `p`. What is in stock and what is held are counted
 * (partial indexes keep that proportional to the stock and the queue); what only grows, sold
 * and withdrawn licenses, comes from the pool's running totals.
 */
export function poolsWithStockSql(where: string): string {
  return `SELECT p.id, p.merchant_id, p.name, p.mode, p.product_id, p.currency, p.threshold, p.refund_policy, p.key_pattern, p.archived_at, p.created_at, p.updated_at,
                 coalesce(l.available, 0)::int AS available, p.allocated_licenses::int AS allocated,
                 p.withdrawn_licenses::int AS withdrawn, coalesce(h.backordered, 0)::int AS backordered
            FROM pool p
            LEFT JOIN LATERAL (
              SELECT count(*) AS available FROM license WHERE pool_id = p.id AND status = 'available') l ON true
            LEFT JOIN LATERAL (
              SELECT count(*) AS backordered FROM allocation WHERE pool_id = p.id AND status = 'awaiting_stock') h ON true
           WHERE ${where}
           ORDER BY p.created_at, p.id`;
}
