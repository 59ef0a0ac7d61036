import { Type, type Static } from '@sinclair/typebox';
import { Currency, Customer, DateTime, MAX_ORDER_LINES, Name, Nullable, OrderLine, OrderRef } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const OrderPaidData = Type.Object(
  {
    orderId: OrderRef,
    merchantId: OrderRef,
    currency: Currency,
    paidAt: DateTime,
    test: Nullable(Type.Boolean()),
    parentOrderId: Nullable(OrderRef),
    customer: Customer,
    licenseFor: Nullable(Name),
    items: Type.Array(OrderLine, { minItems: 1, maxItems: MAX_ORDER_LINES }),
  },
  eventSchemaOptions('OrderPaid', 1, "A customer's payment succeeded (published by the upstream checkout, topic order-paid)."),
);
export type OrderPaidData = Static<typeof OrderPaidData>;
