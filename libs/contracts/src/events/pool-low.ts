import { Type, type Static } from '@sinclair/typebox';
import { Count, Currency, Id, Name, Nullable, StringEnum } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const poolLevels = ['low', 'empty'] as const;
export const poolModes = ['live', 'test'] as const;

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
    // Added after v1 (optional, so the schema version stays): what a person calls the pool, and
    // whether it serves live or test purchases. Absent from producers that predate them.
    poolName: Nullable(Name),
    mode: Nullable(StringEnum(poolModes)),
  },
  eventSchemaOptions('PoolLow', 1, 'A pool fell below its threshold or ran empty (topic pool-low, key poolId).'),
);
export type PoolLowData = Static<typeof PoolLowData>;
