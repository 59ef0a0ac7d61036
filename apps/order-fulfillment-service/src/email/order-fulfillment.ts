import type { EntityManager } from 'typeorm';
import type { OrderFulfilledData } from '@keypool/contracts';
import { updateReturning } from '@keypool/platform';
import { appendStatusHistory } from '../orders/line-changes';

type FulfilledLine = OrderFulfilledData['lines'][number];

/**
 * Marks fulfilled the given orders whose every line is delivered (or cancelled by a refund, at least one delivered), and returns the
 * OrderFulfilled data of exactly those. Callers hold the order locks; the status condition
 * makes a second call (a redelivery, a resend) find nothing, so each order is fulfilled once.
 */
export async function fulfilCompletedOrders(manager: EntityManager, orderIds: string[], eventId: string | null): Promise<OrderFulfilledData[]> {
  if (orderIds.length === 0) return [];
  const fulfilled = await updateReturning<{ order_id: string; merchant_id: string; fulfilled_at: Date }>(
    manager,
    `UPDATE orders o SET status = 'fulfilled', fulfilled_at = now()
      WHERE o.order_id = ANY($1::text[]) AND o.status = 'received'
        AND NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id AND l.status NOT IN ('delivered', 'cancelled'))
        AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id AND l.status = 'delivered')
      RETURNING o.order_id, o.merchant_id, o.fulfilled_at`,
    [[...new Set(orderIds)]],
  );
  if (fulfilled.length === 0) return [];
  await appendStatusHistory(
    manager,
    fulfilled.map((o) => ({ orderId: o.order_id, lineId: null, status: 'fulfilled', reason: null, eventId })),
  );
  const lines = await fulfilledLines(
    manager,
    fulfilled.map((o) => o.order_id),
  );
  return fulfilled.map((o) => ({
    orderId: o.order_id,
    merchantId: o.merchant_id,
    fulfilledAt: o.fulfilled_at.toISOString(),
    lines: lines.get(o.order_id) ?? [],
  }));
}

// The allocated licenses are the order's record; the ids from the e-mail stand in when the
// e-mail was reported before this service saw the allocation.
async function fulfilledLines(manager: EntityManager, orderIds: string[]): Promise<Map<string, FulfilledLine[]>> {
  const rows: { order_id: string; line_id: string; product_id: string; license_ids: string[] }[] = await manager.query(
    `SELECT l.order_id, l.line_id, l.product_id,
            COALESCE((SELECT array_agg(ll.license_id ORDER BY ll.position) FROM line_licenses ll
                       WHERE ll.order_id = l.order_id AND ll.line_id = l.line_id), l.delivered_license_ids) AS license_ids
       FROM order_lines l WHERE l.order_id = ANY($1::text[]) ORDER BY l.order_id, l.position`,
    [orderIds],
  );
  const byOrder = new Map<string, FulfilledLine[]>();
  for (const row of rows) {
    const lines = byOrder.get(row.order_id) ?? [];
    lines.push({ lineId: row.line_id, productId: row.product_id, licenseIds: row.license_ids ?? [] });
    byOrder.set(row.order_id, lines);
  }
  return byOrder;
}
