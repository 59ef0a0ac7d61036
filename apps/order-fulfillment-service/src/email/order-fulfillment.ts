import type { OrderFulfilledData } from '@keypool/contracts';
import type { LiteralOf } from '@keypool/platform';

/**
 * The members of the e-mail outcomes' CTE that fulfil orders: `fulfilled` marks fulfilled the
 * candidate orders whose every line is delivered (or cancelled by a refund, at least one
 * delivered) once the statement's line writes (`w`, see lineChangeMembers) are counted, and
 * `fulfilled_history` records it. Callers hold the order locks; the status condition makes a
 * second call (a redelivery, a resend) find nothing, so each order is fulfilled once. The
 * candidates go as literals (`literal`, see statementsInOneRoundTrip), like the lines' rows.
 */
export function fulfilmentMembers(literal: LiteralOf, candidates: string[]): string[] {
  const ids = `ARRAY[${[...new Set(candidates)].map(literal).join(', ')}]`;
  const statusNow = `coalesce((SELECT w.status FROM w WHERE w.order_id = l.order_id AND w.line_id = l.line_id AND w.status IS NOT NULL), l.status)`;
  return [
    `fulfilled AS (
       UPDATE orders o SET status = 'fulfilled', fulfilled_at = now()
        WHERE o.order_id = ANY(${ids}::text[]) AND o.status = 'received'
          AND NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id AND ${statusNow} NOT IN ('delivered', 'cancelled'))
          AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id AND ${statusNow} = 'delivered')
        RETURNING o.order_id, o.merchant_id, o.fulfilled_at
     )`,
    `fulfilled_history AS (
       INSERT INTO status_history (order_id, line_id, status, reason, event_id) SELECT order_id, NULL, 'fulfilled', NULL, NULL FROM fulfilled
     )`,
  ];
}

/**
 * The OrderFulfilled data of the orders `fulfilled` marked, as a SELECT over it. The allocated
 * licenses are the order's record; the ids from the e-mail stand in when the e-mail was reported
 * before this service saw the allocation.
 */
export const FULFILLED_ORDERS = `
  SELECT f.order_id, f.merchant_id, f.fulfilled_at,
         (SELECT jsonb_agg(jsonb_build_object(
                   'lineId', l.line_id, 'productId', l.product_id,
                   'licenseIds', coalesce((SELECT array_agg(ll.license_id ORDER BY ll.position) FROM line_licenses ll
                                            WHERE ll.order_id = l.order_id AND ll.line_id = l.line_id),
                                          (SELECT ARRAY(SELECT jsonb_array_elements_text(w.delivered_license_ids::jsonb)) FROM w
                                            WHERE w.order_id = l.order_id AND w.line_id = l.line_id AND w.delivered_license_ids IS NOT NULL),
                                          l.delivered_license_ids, '{}'))
                   ORDER BY l.position)
            FROM order_lines l WHERE l.order_id = f.order_id) AS lines
    FROM fulfilled f ORDER BY f.order_id`;

/** A row of FULFILLED_ORDERS. */
export interface FulfilledOrderRow {
  order_id: string;
  merchant_id: string;
  fulfilled_at: Date;
  lines: OrderFulfilledData['lines'] | null;
}

export function fulfilledData(rows: FulfilledOrderRow[]): OrderFulfilledData[] {
  return rows.map((r) => ({ orderId: r.order_id, merchantId: r.merchant_id, fulfilledAt: new Date(r.fulfilled_at).toISOString(), lines: r.lines ?? [] }));
}
