import { Type, type Static } from '@sinclair/typebox';
import { DateTime, OrderRef, StringEnum } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

// `cancelled` extends CONTRACT.md's three states: a held line of a refunded order stops waiting
// without being served, and the checkout's order page should say so rather than "on its way".
export const lineHeldStatuses = ['awaiting_stock', 'unroutable', 'served', 'cancelled'] as const;

// Public: a line started waiting for stock or a pool, or stopped (served or cancelled).
export const OrderLineHeldData = Type.Object(
  {
    orderId: OrderRef,
    merchantId: OrderRef,
    lineId: OrderRef,
    productId: OrderRef,
    status: StringEnum(lineHeldStatuses),
    since: DateTime,
  },
  eventSchemaOptions(
    'OrderLineHeld',
    1,
    'Public: an order line started waiting (awaiting_stock, unroutable) or stopped waiting (served, cancelled) (topic order-line-held, key orderId).',
  ),
);
export type OrderLineHeldData = Static<typeof OrderLineHeldData>;
