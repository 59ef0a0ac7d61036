import { Type } from '@sinclair/typebox';
import { StringEnum } from '@keypool/platform';
import { MAX_KEY_PATTERN_LENGTH } from '../import/key-format';
import { refundPolicies } from '../refunds/refund-allocations.handler';

const id = (options: { description?: string } = {}) => Type.String({ minLength: 1, maxLength: 200, pattern: '^\\S+$', ...options });
const name = (options: { description?: string } = {}) => Type.String({ minLength: 1, maxLength: 200, ...options });
const Threshold = Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'PoolLow (level low) is raised when available falls below this' });
const KEY_PATTERN_DESCRIPTION =
  "the key format: an RE2 pattern (no backreferences or lookaround) each imported license must match whole, as if between ^ and $; lines that do not are rejected with reason 'format'. Checked in linear time, so no pattern can stall an import";
// Bounded here; whether it compiles (RE2 syntax) is judged by KeyFormat.compile in the use case (400 saying why).
const keyPattern = (description: string) =>
  Type.Union([Type.String({ minLength: 1, maxLength: MAX_KEY_PATTERN_LENGTH, examples: ['[A-Z0-9]{5}(-[A-Z0-9]{5}){4}'] }), Type.Null()], { description });
const RefundPolicy = StringEnum(refundPolicies, {
  description:
    "what a refund does to a delivered line's licenses: revoke (LicenseRevoked, never sold again), return_if_unsent (back in stock when no e-mail went out, else revoke), keep (the refund is recorded only)",
});
const Mode = StringEnum(['live', 'test'] as const, { description: 'test orders draw from test pools only' });

export const CreatePoolBody = Type.Object(
  {
    merchantId: Type.Optional(id({ description: 'required for support keys; a merchant key always acts for its own merchant' })),
    name: Type.Optional(name({ description: 'defaults to a name built from the scope' })),
    mode: Type.Optional(StringEnum(['live', 'test'] as const, { description: 'test orders draw from test pools only', default: 'live' })),
    productId: Type.Optional(Type.Union([id(), Type.Null()], { description: 'omit or null for the merchant common pool' })),
    currency: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Z]{3}$', examples: ['EUR'] }), Type.Null()], { description: 'ISO 4217; needs productId' })),
    threshold: Threshold,
    refundPolicy: Type.Optional(RefundPolicy),
    keyPattern: Type.Optional(keyPattern(KEY_PATTERN_DESCRIPTION)),
  },
  { additionalProperties: false },
);

export const UpdatePoolBody = Type.Object(
  {
    name: Type.Optional(name()),
    threshold: Type.Optional(Threshold),
    refundPolicy: Type.Optional(RefundPolicy),
    keyPattern: Type.Optional(keyPattern(`${KEY_PATTERN_DESCRIPTION}; null removes it`)),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ListPoolsQuery = Type.Object({
  merchantId: Type.Optional(Type.String({ maxLength: 200, description: 'support only: one merchant' })),
  mode: Type.Optional(Mode),
  includeArchived: Type.Optional(Type.Boolean({ default: false, description: 'archived pools too' })),
});

export const PoolViewSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  merchantId: Type.String(),
  name: Type.String(),
  mode: Mode,
  productId: Type.Union([Type.String(), Type.Null()], { description: 'null: the merchant common pool' }),
  currency: Type.Union([Type.String(), Type.Null()], { description: 'null: every currency' }),
  threshold: Type.Integer({ description: 'PoolLow is raised when available falls below this' }),
  refundPolicy: RefundPolicy,
  keyPattern: Type.Union([Type.String(), Type.Null()], { description: 'the key format every imported license must match whole (RE2); null: none' }),
  archived: Type.Boolean(),
  available: Type.Integer({ description: 'licenses ready to be allocated' }),
  allocated: Type.Integer({ description: 'licenses given to order lines' }),
  withdrawn: Type.Integer({ description: 'licenses withdrawn by the merchant' }),
  backordered: Type.Integer({ description: 'order lines held in this pool awaiting stock' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  archivedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const ConsumptionBucket = Type.Object({
  start: Type.String({ format: 'date-time', description: 'start of the hour or day (UTC)' }),
  allocated: Type.Integer({ description: 'licenses allocated in it' }),
});

export const PoolConsumptionSchema = Type.Object({
  poolId: Type.String({ format: 'uuid' }),
  available: Type.Integer(),
  threshold: Type.Integer(),
  hourly: Type.Array(ConsumptionBucket, { description: 'the last 24 hours, oldest first, the current hour last' }),
  daily: Type.Array(ConsumptionBucket, { description: 'the last 30 days, oldest first, today last' }),
  ratePerDay: Type.Number({ description: 'licenses allocated per day over the last 7 days (or since the pool was created, at least one hour)' }),
  runsOutInDays: Type.Union([Type.Integer(), Type.Null()], { description: 'available / ratePerDay, rounded down; null when nothing was allocated recently' }),
});

export const NO_SUCH_POOL = "unknown pool (or not a uuid), or another merchant's pool";
