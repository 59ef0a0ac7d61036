import { Type, type Static } from '@sinclair/typebox';
import { DateTime, MAX_ORDER_LINES, OrderRef, StringEnum } from '../fields';
import { eventSchemaOptions } from '../schema-meta';
import { refundReasons } from './order-refunded';

// Internal: order-fulfillment tells pool-service which lines of an order were refunded. A held
// line is cancelled (never served); an allocated one follows its pool's refund policy, for which
// `emailed` says whether the customer may have the licenses.
export const AllocationRefundedData = Type.Object(
  {
    orderId: OrderRef,
    merchantId: OrderRef,
    lines: Type.Array(Type.Object({ lineId: OrderRef, emailed: Type.Boolean() }), { minItems: 1, maxItems: MAX_ORDER_LINES }),
    reason: StringEnum(refundReasons),
    refundedAt: DateTime,
  },
  eventSchemaOptions(
    'AllocationRefunded',
    1,
    'Internal: order-fulfillment asks pool-service to cancel or settle the refunded lines of an order (topic allocation-refunded, key orderId).',
  ),
);
export type AllocationRefundedData = Static<typeof AllocationRefundedData>;
