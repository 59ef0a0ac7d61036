import { Type } from '@sinclair/typebox';
import { REVEAL_REASON, StringEnum } from '@keypool/platform';
import { SeqCursor, pageLimit } from '../shared/page-query';

export const licenseStatuses = ['available', 'allocated', 'withdrawn', 'revoked'] as const;

export const LicensePageQuery = Type.Object({
  status: Type.Optional(StringEnum(licenseStatuses)),
  limit: pageLimit(100, 1000),
  after: SeqCursor,
});

/** The body of a reveal: why the value is needed, e.g. a ticket number. */
export const RevealBody = Type.Object(
  { reason: Type.String({ minLength: REVEAL_REASON.min, maxLength: REVEAL_REASON.max, examples: ['ticket 4711: key reported as already in use'] }) },
  { additionalProperties: false },
);

export const RevealedLicenseSchema = Type.Object({
  licenseId: Type.String({ format: 'uuid' }),
  value: Type.String({ description: 'the full value' }),
  auditId: Type.String({ description: 'the entry of the reveal audit log (GET /v1/audit/reveals)' }),
});

const licenseFields = {
  licenseId: Type.String({ format: 'uuid' }),
  value: Type.String({ description: 'masked: first and last four characters, or •••• under 12 characters' }),
  masked: Type.Boolean(),
  status: StringEnum(licenseStatuses),
  importedAt: Type.String({ format: 'date-time' }),
  allocatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  withdrawnAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  orderId: Type.Union([Type.String(), Type.Null()]),
  lineId: Type.Union([Type.String(), Type.Null()]),
};

export const LicenseViewSchema = Type.Object(licenseFields);

export const LicensePageSchema = Type.Object({
  items: Type.Array(LicenseViewSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as after for the next page; null on the last page' }),
});

export const LicenseDetailSchema = Type.Object({
  ...licenseFields,
  poolId: Type.String({ format: 'uuid' }),
  merchantId: Type.String(),
  productId: Type.Union([Type.String(), Type.Null()]),
  test: Type.Boolean(),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const NO_SUCH_LICENSE = "unknown license id (or not a uuid), or another merchant's license";
