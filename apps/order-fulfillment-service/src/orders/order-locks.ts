import type { EntityManager } from 'typeorm';
import type { OrderStatus } from './line-status';

export interface LockedOrder {
  orderId: string;
  merchantId: string;
  status: OrderStatus;
}

/**
 * Locks the orders a chunk touches, always in order_id order so two chunks cannot deadlock.
 * Every change to an order's lines happens under this lock, which is what lets the
 * "all lines delivered → fulfilled" check see every concurrent delivery and fire once.
 */
export async function lockOrders(manager: EntityManager, orderIds: string[]): Promise<Map<string, LockedOrder>> {
  const ids = [...new Set(orderIds)].sort();
  if (ids.length === 0) return new Map();
  const rows: { order_id: string; merchant_id: string; status: OrderStatus }[] = await manager.query(
    `SELECT order_id, merchant_id, status FROM orders WHERE order_id = ANY($1::text[]) ORDER BY order_id FOR UPDATE`,
    [ids],
  );
  return new Map(rows.map((r) => [r.order_id, { orderId: r.order_id, merchantId: r.merchant_id, status: r.status }]));
}

export const lineKey = (orderId: string, lineId: string) => `${orderId}\u0000${lineId}`;
