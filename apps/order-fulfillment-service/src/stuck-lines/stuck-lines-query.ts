import type { Caller } from '@keypool/platform';

/** The statuses a line passes through on its own: one that stays in them too long is stuck. */
export const stuckStatuses = ['received', 'allocated'] as const;
export type StuckStatus = (typeof stuckStatuses)[number];

const MAX_AGE_SECONDS = 30 * 24 * 3600;

export interface StuckLinesQuery {
  olderThanSeconds: number;
  /** One merchant's lines; every merchant's when absent (support only). */
  merchantId?: string;
  status?: StuckStatus;
  limit: number;
  after?: StuckLinePosition;
}

/** A place in the list (oldest first, then order and line id): the last line of a page. */
export interface StuckLinePosition {
  /** status_at in microseconds since the epoch: exact, unlike a JS Date. */
  sinceMicros: string;
  orderId: string;
  lineId: string;
}

export function encodeStuckCursor(position: StuckLinePosition): string {
  return Buffer.from(JSON.stringify([position.sinceMicros, position.orderId, position.lineId])).toString('base64url');
}

function decodeStuckCursor(cursor: string): StuckLinePosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [micros, orderId, lineId] = value;
    if (typeof micros !== 'string' || !/^-?\d{1,19}$/.test(micros) || typeof orderId !== 'string' || typeof lineId !== 'string') return undefined;
    return { sinceMicros: micros, orderId, lineId };
  } catch {
    return undefined;
  }
}

export type StuckLinesProblem = { status: 400 | 404; message: string };

/**
 * Support sees every merchant's stuck lines (or one it names); a merchant key sees its own, and
 * naming another merchant is a 404, as for orders. Without olderThanSeconds the service's
 * STUCK_LINE_AGE_MS applies, the same age the keypool_order_lines_stuck gauge counts with.
 */
export function parseStuckLinesQuery(
  caller: Caller,
  query: Record<string, unknown>,
  defaultAgeMs: number,
): { ok: true; value: StuckLinesQuery } | { ok: false; problem: StuckLinesProblem } {
  const named = typeof query['merchantId'] === 'string' && query['merchantId'] !== '' ? query['merchantId'] : undefined;
  if (caller.kind === 'merchant' && named && named !== caller.merchantId)
    return { ok: false, problem: { status: 404, message: `merchant ${named} not found` } };
  const merchantId = caller.kind === 'merchant' ? caller.merchantId : named;

  const rawAge = query['olderThanSeconds'];
  const olderThanSeconds =
    rawAge === undefined ? Math.round(defaultAgeMs / 1000) : typeof rawAge === 'string' && /^\d{1,8}$/.test(rawAge) ? Number(rawAge) : NaN;
  if (!(olderThanSeconds >= 0 && olderThanSeconds <= MAX_AGE_SECONDS)) {
    return { ok: false, problem: { status: 400, message: `olderThanSeconds: must be a whole number of seconds from 0 to ${MAX_AGE_SECONDS} (30 days)` } };
  }
  const status = query['status'];
  if (status !== undefined && !stuckStatuses.includes(status as StuckStatus)) {
    return { ok: false, problem: { status: 400, message: `status: must be one of ${stuckStatuses.join(', ')}` } };
  }
  const rawLimit = query['limit'] ?? '100';
  const limit = typeof rawLimit === 'string' && /^\d+$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= 500)) return { ok: false, problem: { status: 400, message: 'limit: must be a whole number from 1 to 500' } };
  const cursor = query['cursor'];
  const after = typeof cursor === 'string' ? decodeStuckCursor(cursor) : undefined;
  if (cursor !== undefined && !after) {
    return {
      ok: false,
      problem: { status: 400, message: 'cursor: not a cursor this API returned; pass the nextCursor of the previous page, or leave it out for the first page' },
    };
  }
  return {
    ok: true,
    value: {
      olderThanSeconds,
      ...(merchantId ? { merchantId } : {}),
      ...(status ? { status: status as StuckStatus } : {}),
      limit,
      ...(after ? { after } : {}),
    },
  };
}
