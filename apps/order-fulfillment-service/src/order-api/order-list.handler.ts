import { Injectable } from '@nestjs/common';
import type { Static } from '@sinclair/typebox';
import { DataSource } from 'typeorm';
import { type Caller, type Result, succeed } from '@keypool/platform';
import { lineStatuses } from '../orders/line-status';
import { type OrderListParams, type OrderListQuery, encodeCursor, orderListQueryOf } from './order-list-query';

export interface OrderSummary {
  orderId: string;
  status: string;
  receivedAt: Date;
  fulfilledAt: Date | null;
  customerEmail: string;
  lines: { lineId: string; productId: string; quantity: number; status: string }[];
}

export interface OrderPage {
  orders: OrderSummary[];
  /** Present when more orders follow: pass it as ?cursor= for the next page. */
  nextCursor?: string;
}

/**
 * A merchant's orders with each line's status, newest first, a page at a time. Keyset
 * pagination (received_at, order_id): a page costs the same however deep it is, and orders
 * arriving meanwhile never shift or repeat what the next page shows.
 */
@Injectable()
export class ListOrders {
  constructor(private readonly dataSource: DataSource) {}

  async list(caller: Caller, params: Static<typeof OrderListParams>): Promise<Result<OrderPage, 'invalid' | 'not_found'>> {
    const query = orderListQueryOf(caller, params);
    return query.ok ? succeed(await this.page(query.value)) : query;
  }

  private async page(query: OrderListQuery): Promise<OrderPage> {
    const byLineStatus = query.status !== undefined && (lineStatuses as readonly string[]).includes(query.status) && query.status !== 'received';
    const rows: {
      order_id: string;
      status: string;
      received_at: Date;
      fulfilled_at: Date | null;
      customer_email: string;
      received_at_micros: string;
      lines: OrderSummary['lines'];
    }[] = await this.dataSource.query(
      `SELECT o.order_id, coalesce(o.refund_status, o.status) AS status, o.received_at, o.fulfilled_at, o.customer->>'email' AS customer_email,
              (extract(epoch FROM o.received_at) * 1000000)::bigint::text AS received_at_micros,
              (SELECT json_agg(json_build_object('lineId', l.line_id, 'productId', l.product_id,
                                                 'quantity', (l.item->>'quantity')::int, 'status', l.status) ORDER BY l.position)
                 FROM order_lines l WHERE l.order_id = o.order_id) AS lines
         FROM orders o
        WHERE o.merchant_id = $1
          -- the status the list shows: a refunded order is listed as refunded, not as fulfilled
          AND ($2::text IS NULL OR coalesce(o.refund_status, o.status) = $2)
          AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.order_id AND l.status = $3))
          AND ($5::text IS NULL OR lower(o.customer->>'email') = lower($5))
          -- after the cursor: older, or as old with a greater order id; the first bound lets the
          -- index on (merchant_id, received_at DESC) start right at the cursor.
          AND ($6::bigint IS NULL OR o.received_at <= timestamptz 'epoch' + $6::bigint * interval '1 microsecond')
          AND ($6::bigint IS NULL OR (o.received_at, $7::text) < (timestamptz 'epoch' + $6::bigint * interval '1 microsecond', o.order_id))
        ORDER BY o.received_at DESC, o.order_id
        LIMIT $4`,
      [
        query.merchantId,
        byLineStatus ? null : (query.status ?? null),
        byLineStatus ? query.status : null,
        query.limit + 1,
        query.customerEmail ?? null,
        query.after?.receivedAtMicros ?? null,
        query.after?.orderId ?? null,
      ],
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const orders = page.map((r) => ({
      orderId: r.order_id,
      status: r.status,
      receivedAt: r.received_at,
      fulfilledAt: r.fulfilled_at,
      customerEmail: r.customer_email,
      lines: r.lines ?? [],
    }));
    return rows.length > query.limit ? { orders, nextCursor: encodeCursor({ receivedAtMicros: last.received_at_micros, orderId: last.order_id }) } : { orders };
  }
}
