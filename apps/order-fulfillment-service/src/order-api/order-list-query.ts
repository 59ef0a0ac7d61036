import { Caller } from '@keypool/platform';
import { lineStatuses, orderStatuses } from '../orders/line-status';

export const listableStatuses = [...new Set([...orderStatuses, ...lineStatuses])];

export interface OrderListQuery {
  merchantId: string;
  /** An order status (received, fulfilled), or a line status: orders with a line in it. */
  status?: string;
  limit: number;
}

export type ListQueryProblem = { status: 400 | 404; message: string };

/** Support names the merchant; a merchant key lists its own orders (naming another is a 404). */
export function parseOrderListQuery(caller: Caller, query: Record<string, unknown>): { ok: true; value: OrderListQuery } | { ok: false; problem: ListQueryProblem } {
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
  return { ok: true, value: { merchantId: merchantId ?? (caller as { merchantId: string }).merchantId, ...(status ? { status } : {}), limit } };
}
