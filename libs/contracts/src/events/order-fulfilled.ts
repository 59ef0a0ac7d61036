import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Id, MAX_ORDER_LINES, MAX_QUANTITY, OrderRef } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const FulfilledLine = Type.Object({
  lineId: OrderRef,
  productId: OrderRef,
  licenseIds: Type.Array(Id, { minItems: 1, maxItems: MAX_QUANTITY }),
});

export const OrderFulfilledData = Type.Object(
  {
    orderId: OrderRef,
    merchantId: OrderRef,
    fulfilledAt: DateTime,
    lines: Type.Array(FulfilledLine, { minItems: 1, maxItems: MAX_ORDER_LINES }),
  },
  eventSchemaOptions('OrderFulfilled', 1, 'Every line of the order has its licenses e-mailed (topic order-fulfilled).'),
);
export type OrderFulfilledData = Static<typeof OrderFulfilledData>;
