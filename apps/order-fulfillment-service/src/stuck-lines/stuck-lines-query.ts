import { type Static, Type } from '@sinclair/typebox';
import { type Caller, type Result, StringEnum, fail, listedMerchant, outsideScope, succeed } from '@keypool/platform';

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
    const [micros, orderId, lineId] = value as unknown[];
    if (typeof micros !== 'string' || !/^-?\d{1,19}$/.test(micros) || typeof orderId !== 'string' || typeof lineId !== 'string') return undefined;
    return { sinceMicros: micros, orderId, lineId };
  } catch {
    return undefined;
  }
}

/** GET /v1/stuck-lines' query: bounded here, scoped and decoded by stuckLinesQueryOf. */
export const StuckLinesParams = Type.Object({
  olderThanSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_AGE_SECONDS,
      description: 'in the status for longer than this; default STUCK_LINE_AGE_MS (15 minutes); 0 to 2592000',
    }),
  ),
  merchantId: Type.Optional(Type.String({ maxLength: 200, description: "support: one merchant's lines; a merchant key may name only itself" })),
  status: Type.Optional(StringEnum(stuckStatuses)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'lines per page, 1 to 500, default 100' })),
  cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'the nextCursor of the previous page; leave out for the first page' })),
});

/**
 * Support sees every merchant's stuck lines (or one it names); a merchant key sees its own, and
 * naming another merchant is a 404, as for orders. Without olderThanSeconds the service's
 * STUCK_LINE_AGE_MS applies, the same age the keypool_order_lines_stuck gauge counts with.
 */
export function stuckLinesQueryOf(
  caller: Caller,
  params: Static<typeof StuckLinesParams>,
  defaultAgeMs: number,
): Result<StuckLinesQuery, 'invalid' | 'not_found'> {
  const named = params.merchantId || undefined;
  const refused = named ? outsideScope(caller, named) : undefined;
  if (refused) return refused;
  const merchantId = listedMerchant(caller, named);
  const after = params.cursor === undefined ? undefined : decodeStuckCursor(params.cursor);
  if (params.cursor !== undefined && !after) {
    return fail('invalid', 'query.cursor: not a cursor this API returned; pass the nextCursor of the previous page, or leave it out for the first page');
  }
  return succeed({
    olderThanSeconds: params.olderThanSeconds ?? Math.round(defaultAgeMs / 1000),
    ...(merchantId ? { merchantId } : {}),
    ...(params.status ? { status: params.status } : {}),
    limit: params.limit ?? 100,
    ...(after ? { after } : {}),
  });
}
