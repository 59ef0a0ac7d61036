import type { EntityManager } from 'typeorm';
import { lineStatuses } from '../orders/line-status';
import type { OrderListQuery } from './order-list-query';

export interface OrderSummary {
  orderId: string;
  status: string;
  receivedAt: Date;
  fulfilledAt: Date | null;
  customerEmail: string;
  lines: { lineId: string; productId: string; quantity: number; status: string }[];
}

/** A merchant's most recent orders with each line's status, newest first. */
export async function listOrders(manager: EntityManager, query: OrderListQuery): Promise<OrderSummary[]> {
  const byLineStatus = query.status !== undefined && (lineStatuses as readonly string[]).includes(query.status) && query.status !== 'received';
  const rows: {
    order_id: string;
    status: string;
    received_at: Date;
    fulfilled_at: Date | null;
    customer_email: string;
    lines: OrderSummary['lines'];
  }[] = await manager.query(
    `SELECT o.order_id, o.status, o.received_at, o.fulfilled_at, o.customer->>'email' AS customer_email,
            (SELECT json_agg(json_build_object('lineId', l.line_id, 'productId', l.product_id,
                                               'quantity', (l.item->>'quantity')::int, 'status', l.status) ORDER BY l.position)
               FROM order_lines l WHERE l.order_id = o.order_id) AS lines
       FROM orders o
      WHERE o.merchant_id = $1
        AND ($2::text IS NULL OR o.status = $2)
        AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id AND l.status = $3))
      ORDER BY o.received_at DESC, o.order_id
      LIMIT $4`,
    [query.merchantId, byLineStatus ? null : (query.status ?? null), byLineStatus ? query.status : null, query.limit],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    status: r.status,
    receivedAt: r.received_at,
    fulfilledAt: r.fulfilled_at,
    customerEmail: r.customer_email,
    lines: r.lines ?? [],
  }));
}
