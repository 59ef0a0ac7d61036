import { type Static, Type } from '@sinclair/typebox';
import { type Caller, type Result, StringEnum, actingMerchant, fail, outsideScope, succeed } from '@keypool/platform';
import { lineStatuses, orderStatuses, refundStatuses } from '../orders/line-status';

export const listableStatuses = [...new Set([...orderStatuses, ...refundStatuses, ...lineStatuses])];

export interface OrderListQuery {
  merchantId: string;
  /**
   * An order status as the list shows it (received, fulfilled, or refunded and partially_refunded,
   * which a refund puts in place of the other two), or a line status: orders with a line in it.
   */
  status?: string;
  /** The customer's e-mail address, any case. */
  customerEmail?: string;
  limit: number;
  /** Where the previous page ended: orders after it in the list's order. */
  after?: OrderListPosition;
}

/** A place in the list (newest first, then by order id): the last order of a page. */
export interface OrderListPosition {
  /** received_at in microseconds since the epoch: exact, unlike a JS Date. */
  receivedAtMicros: string;
  orderId: string;
}

/** Opaque to clients: they pass back the nextCursor they were given. */
export function encodeCursor(position: OrderListPosition): string {
  return Buffer.from(JSON.stringify([position.receivedAtMicros, position.orderId])).toString('base64url');
}

function decodeCursor(cursor: string): OrderListPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [micros, orderId] = value as unknown[];
    if (typeof micros !== 'string' || !/^\d{1,19}$/.test(micros) || typeof orderId !== 'string' || orderId === '') return undefined;
    return { receivedAtMicros: micros, orderId };
  } catch {
    return undefined;
  }
}

/** GET /v1/orders' query: bounded here, scoped and decoded by orderListQueryOf. */
export const OrderListParams = Type.Object({
  merchantId: Type.Optional(Type.String({ maxLength: 200, description: 'required for support keys; a merchant key lists its own orders' })),
  status: Type.Optional(
    StringEnum(listableStatuses, {
      description:
        'an order status as listed (received, fulfilled, refunded, partially_refunded: a refunded order is listed as refunded only), or a line status (orders with a line in it)',
    }),
  ),
  customerEmail: Type.Optional(
    Type.String({
      maxLength: 320,
      pattern: '^[^\\s@]+@[^\\s@]+$',
      description: "an e-mail address such as ann@example.com (only that customer's orders, any case)",
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'orders per page, 1 to 500, default 50' })),
  cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'the nextCursor of the previous page; leave out for the first page' })),
});

/** Support names the merchant; a merchant key lists its own orders (naming another is a 404, like a missing merchant). */
export function orderListQueryOf(caller: Caller, params: Static<typeof OrderListParams>): Result<OrderListQuery, 'invalid' | 'not_found'> {
  const named = params.merchantId || undefined;
  const refused = named ? outsideScope(caller, named) : undefined;
  if (refused) return refused;
  const merchant = actingMerchant(caller, named);
  if (!merchant.ok) return merchant;
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  if (params.cursor !== undefined && !after) {
    return fail('invalid', 'query.cursor: not a cursor this API returned; pass the nextCursor of the previous page, or leave it out for the first page');
  }
  return succeed({
    merchantId: merchant.value,
    ...(params.status ? { status: params.status } : {}),
    ...(params.customerEmail !== undefined ? { customerEmail: params.customerEmail } : {}),
    limit: params.limit ?? 50,
    ...(after ? { after } : {}),
  });
}
