import { Caller } from '@keypool/platform';
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
    const [micros, orderId] = value;
    if (typeof micros !== 'string' || !/^\d{1,19}$/.test(micros) || typeof orderId !== 'string' || orderId === '') return undefined;
    return { receivedAtMicros: micros, orderId };
  } catch {
    return undefined;
  }
}

export type ListQueryProblem = { status: 400 | 404; message: string };

/** Support names the merchant; a merchant key lists its own orders (naming another is a 404). */
export function parseOrderListQuery(
  caller: Caller,
  query: Record<string, unknown>,
): { ok: true; value: OrderListQuery } | { ok: false; problem: ListQueryProblem } {
  const merchantId = typeof query['merchantId'] === 'string' && query['merchantId'] !== '' ? query['merchantId'] : undefined;
  if (caller.kind === 'support' && !merchantId) {
    return { ok: false, problem: { status: 400, message: 'merchantId: support keys must name the merchant, e.g. ?merchantId=m_acme' } };
  }
  if (caller.kind === 'merchant' && merchantId && merchantId !== caller.merchantId) {
    return { ok: false, problem: { status: 404, message: `merchant ${merchantId} not found` } };
  }
  const status = query['status'];
  if (status !== undefined && (typeof status !== 'string' || !listableStatuses.includes(status as never))) {
    return { ok: false, problem: { status: 400, message: `status: must be one of ${listableStatuses.join(', ')}` } };
  }
  const rawLimit = query['limit'] ?? '50';
  const limit = typeof rawLimit === 'string' && /^\d+$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= 500)) return { ok: false, problem: { status: 400, message: 'limit: must be a whole number from 1 to 500' } };
  const email = query['customerEmail'];
  if (email !== undefined && (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320)) {
    return { ok: false, problem: { status: 400, message: 'customerEmail: must be one e-mail address, e.g. ann@example.com' } };
  }
  const cursor = query['cursor'];
  const after = typeof cursor === 'string' ? decodeCursor(cursor) : undefined;
  if (cursor !== undefined && !after) {
    return {
      ok: false,
      problem: { status: 400, message: 'cursor: not a cursor this API returned; pass the nextCursor of the previous page, or leave it out for the first page' },
    };
  }
  return {
    ok: true,
    value: {
      merchantId: merchantId ?? (caller as { merchantId: string }).merchantId,
      ...(status ? { status } : {}),
      ...(typeof email === 'string' ? { customerEmail: email } : {}),
      limit,
      ...(after ? { after } : {}),
    },
  };
}
