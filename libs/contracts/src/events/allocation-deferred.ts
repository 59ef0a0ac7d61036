import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Id, Nullable, OrderRef, RequiredText, StringEnum } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

// Internal: pool-service could not serve a line yet. The line is held (never dropped) and
// served oldest first once stock or a matching pool appears; order-fulfillment shows why.
export const AllocationDeferredData = Type.Object(
  {
    orderId: OrderRef,
    merchantId: OrderRef,
    lineId: OrderRef,
    productId: OrderRef,
    status: StringEnum(['awaiting_stock', 'unroutable'] as const),
    reason: RequiredText(2000),
    poolId: Nullable(Id),
    deferredAt: DateTime,
  },
  eventSchemaOptions('AllocationDeferred', 1, 'Internal: pool-service holds one order line, awaiting stock or a matching pool (topic allocation-deferred).'),
);
export type AllocationDeferredData = Static<typeof AllocationDeferredData>;
