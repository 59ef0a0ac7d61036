import { Type } from '@sinclair/typebox';
import { StringEnum } from '@keypool/platform';
import { SeqCursor, pageLimit } from '../shared/page-query';

export const heldStatuses = ['awaiting_stock', 'unroutable'] as const;

export const HeldLinesQuery = Type.Object({
  status: Type.Optional(StringEnum(heldStatuses)),
  poolId: Type.Optional(Type.String({ maxLength: 200, description: 'one pool (an id that is not a uuid names none: an empty page)' })),
  merchantId: Type.Optional(Type.String({ maxLength: 200, description: 'support only: one merchant' })),
  limit: pageLimit(100, 1000),
  after: SeqCursor,
});

const HeldLine = Type.Object({
  orderId: Type.String(),
  lineId: Type.String(),
  merchantId: Type.String(),
  productId: Type.String(),
  currency: Type.String(),
  test: Type.Boolean(),
  licenseCount: Type.Integer(),
  status: StringEnum(heldStatuses, { description: 'awaiting_stock: the pool lacks licenses; unroutable: no pool serves the product' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  poolId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  requestedAt: Type.String({ format: 'date-time' }),
});

export const HeldLinePage = Type.Object({
  items: Type.Array(HeldLine),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as after for the next page; null on the last page' }),
});
