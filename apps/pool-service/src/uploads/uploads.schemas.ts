import { Type } from '@sinclair/typebox';
import { pageLimit } from '../shared/page-query';
import { BULK_WITHDRAW_MAX, RECALL_LIST_LIMIT } from './uploads.handler';

export const UploadPageQuery = Type.Object({
  limit: pageLimit(20, 100),
  after: Type.Optional(
    Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description: 'nextCursor of the previous page' }),
  ),
});

export const WithdrawValuesBody = Type.Object(
  { values: Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { minItems: 1, maxItems: BULK_WITHDRAW_MAX }) },
  { additionalProperties: false },
);

const ImportReportSchema = Type.Object({}, { additionalProperties: true, description: 'the stored import report: counts and line numbers, never values' });

export const UploadViewSchema = Type.Object({
  uploadId: Type.String({ format: 'uuid' }),
  poolId: Type.String({ format: 'uuid' }),
  merchantId: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  recalledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when the upload was first recalled; null if never' }),
  report: ImportReportSchema,
});

export const UploadPageSchema = Type.Object({
  items: Type.Array(UploadViewSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as after for the next (older) page; null on the last page' }),
});

const Sold = Type.Object(
  {
    count: Type.Integer(),
    licenses: Type.Array(Type.Object({ licenseId: Type.String({ format: 'uuid' }), orderId: Type.String(), lineId: Type.String() }), {
      description: `the first ${RECALL_LIST_LIMIT.toLocaleString('en')} listed`,
    }),
  },
  { description: 'licenses already sold (allocated or revoked): they stay with their order line' },
);

export const RecallSchema = Type.Object({
  uploadId: Type.String({ format: 'uuid' }),
  withdrawn: Type.Integer({ description: 'available licenses withdrawn by this call (0 on a repeat)' }),
  alreadyWithdrawn: Type.Integer({ description: 'licenses of the upload withdrawn before this call' }),
  sold: Sold,
});

export const BulkWithdrawalSchema = Type.Object({
  withdrawn: Type.Integer(),
  alreadyWithdrawn: Type.Integer(),
  sold: Sold,
  notFound: Type.Object({
    count: Type.Integer(),
    indexes: Type.Array(Type.Integer(), { description: 'positions in values, from 0, of values that match no license of this pool' }),
  }),
});
