import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { RefundPolicy, refundPolicies } from '../refunds/refund-allocations.handler';
import { bodyParser } from '../shared/parse-body';
import { MAX_KEY_PATTERN_LENGTH } from '../import/key-format';

const Id = Type.String({ minLength: 1, maxLength: 200, pattern: '^\\S+$' });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Threshold = Type.Integer({ minimum: 0, maximum: 1_000_000 });
// Bounded here; whether it compiles (RE2 syntax) is judged by KeyFormat.compile in the controller.
const KeyPattern = Type.Union([Type.String({ minLength: 1, maxLength: MAX_KEY_PATTERN_LENGTH }), Type.Null()]);
const RefundPolicySchema = Type.Unsafe<RefundPolicy>({ type: 'string', enum: [...refundPolicies] });

export const parseCreatePool = bodyParser(
  Type.Object(
    {
      merchantId: Type.Optional(Id),
      name: Type.Optional(Name),
      mode: Type.Optional(Type.Unsafe<'live' | 'test'>({ type: 'string', enum: ['live', 'test'] })),
      productId: Type.Optional(Type.Union([Id, Type.Null()])),
      currency: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Z]{3}$' }), Type.Null()])),
      threshold: Threshold,
      refundPolicy: Type.Optional(RefundPolicySchema),
      keyPattern: Type.Optional(KeyPattern),
    },
    { additionalProperties: false },
  ),
);

export const parseUpdatePool = bodyParser(
  Type.Object(
    { name: Type.Optional(Name), threshold: Type.Optional(Threshold), refundPolicy: Type.Optional(RefundPolicySchema), keyPattern: Type.Optional(KeyPattern) },
    { additionalProperties: false, minProperties: 1 },
  ),
);

const KEY_PATTERN_DOC = {
  nullable: true,
  type: String,
  maxLength: MAX_KEY_PATTERN_LENGTH,
  example: '[A-Z0-9]{5}(-[A-Z0-9]{5}){4}',
  description:
    "the key format: an RE2 pattern (no backreferences or lookaround) each imported license must match whole, as if between ^ and $; lines that do not are rejected with reason 'format'. Checked in linear time, so no pattern can stall an import",
};

export class CreatePoolBody {
  @ApiPropertyOptional({ description: 'required for support keys; a merchant key always acts for its own merchant' })
  merchantId?: string;
  @ApiPropertyOptional({ description: 'defaults to a name built from the scope' }) name?: string;
  @ApiPropertyOptional({ enum: ['live', 'test'], default: 'live', description: 'test orders draw from test pools only' })
  mode?: 'live' | 'test';
  @ApiPropertyOptional({ nullable: true, type: String, description: 'omit or null for the merchant common pool' })
  productId?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'EUR', description: 'ISO 4217; needs productId' })
  currency?: string | null;
  @ApiProperty({ minimum: 0, description: 'PoolLow (level low) is raised when available falls below this' })
  threshold!: number;
  @ApiPropertyOptional({
    enum: [...refundPolicies],
    default: 'revoke',
    description:
      "what a refund does to a delivered line's licenses: revoke (LicenseRevoked, never sold again), return_if_unsent (back in stock when no e-mail went out, else revoke), keep (the refund is recorded only)",
  })
  refundPolicy?: RefundPolicy;
  @ApiPropertyOptional(KEY_PATTERN_DOC) keyPattern?: string | null;
}

export class UpdatePoolBody {
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional({ minimum: 0 }) threshold?: number;
  @ApiPropertyOptional({ enum: [...refundPolicies] }) refundPolicy?: RefundPolicy;
  @ApiPropertyOptional({ ...KEY_PATTERN_DOC, description: `${KEY_PATTERN_DOC.description}; null removes it` }) keyPattern?: string | null;
}
