import { Type, type Static } from '@sinclair/typebox';
import { DateTime, MAX_ORDER_LINES, Nullable, OrderRef, StringEnum } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const refundReasons = ['customer_request', 'chargeback', 'fraud', 'other'] as const;

// Public: the upstream checkout refunded (or cancelled) an order, or some of its lines.
export const OrderRefundedData = Type.Object(
  {
    orderId: OrderRef,
    merchantId: OrderRef,
    // Absent or null: the whole order. An order has at most 100 lines, so a list never needs more.
    lineIds: Nullable(Type.Array(OrderRef, { minItems: 1, maxItems: MAX_ORDER_LINES, uniqueItems: true })),
    reason: StringEnum(refundReasons),
    refundedAt: DateTime,
  },
  eventSchemaOptions(
    'OrderRefunded',
    1,
    "Public: an order or some of its lines were refunded (topic order-refunded, key orderId). A held line is never served; a delivered one follows its pool's refund policy.",
  ),
);
export type OrderRefundedData = Static<typeof OrderRefundedData>;
