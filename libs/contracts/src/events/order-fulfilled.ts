import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Id } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const FulfilledLine = Type.Object({
  lineId: Id,
  productId: Id,
  licenseIds: Type.Array(Id, { minItems: 1 }),
});

export const OrderFulfilledData = Type.Object(
  {
    orderId: Id,
    merchantId: Id,
    fulfilledAt: DateTime,
    lines: Type.Array(FulfilledLine, { minItems: 1 }),
  },
  eventSchemaOptions(
    'OrderFulfilled',
    1,
    'Every line of the order has its licenses e-mailed (topic order-fulfilled).',
  ),
);
export type OrderFulfilledData = Static<typeof OrderFulfilledData>;
