import { Type, type Static } from '@sinclair/typebox';
import { Currency, Customer, DateTime, Id, Nullable, OrderLine, Text } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const OrderPaidData = Type.Object(
  {
    orderId: Id,
    merchantId: Id,
    currency: Currency,
    paidAt: DateTime,
    test: Nullable(Type.Boolean()),
    parentOrderId: Nullable(Id),
    customer: Customer,
    licenseFor: Nullable(Text(500)),
    items: Type.Array(OrderLine, { minItems: 1, maxItems: 1000 }),
  },
  eventSchemaOptions(
    'OrderPaid',
    1,
    "A customer's payment succeeded (published by the upstream checkout, topic order-paid).",
  ),
);
export type OrderPaidData = Static<typeof OrderPaidData>;
