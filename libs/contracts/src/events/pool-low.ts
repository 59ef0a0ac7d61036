import { Type, type Static } from '@sinclair/typebox';
import { Count, Currency, Id, Nullable, StringEnum } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const poolLevels = ['low', 'empty'] as const;

export const PoolLowData = Type.Object(
  {
    poolId: Id,
    merchantId: Id,
    // null means the pool serves every product (or every currency) of the merchant.
    productId: Nullable(Id),
    currency: Nullable(Currency),
    available: Count,
    threshold: Count,
    level: StringEnum(poolLevels),
    backordered: Count,
  },
  eventSchemaOptions(
    'PoolLow',
    1,
    'A pool fell below its threshold or ran empty (topic pool-low, key poolId).',
  ),
);
export type PoolLowData = Static<typeof PoolLowData>;
