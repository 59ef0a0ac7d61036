import { Type } from '@sinclair/typebox';
import { MAX_LICENSE_CHARACTERS } from '../import/license-line';
import { LicenseDetailSchema } from '../licenses/licenses.schemas';
import { HISTORY_LIMIT } from './license-ledger.handler';

export const LookupBody = Type.Object(
  {
    value: Type.String({ minLength: 1, maxLength: MAX_LICENSE_CHARACTERS, examples: ['AAAA-BBBB-CCCC-DDDD'] }),
    merchantId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, pattern: '^\\S+$', description: 'support: only this merchant; a merchant key may name only itself' }),
    ),
  },
  { additionalProperties: false },
);

const LedgerEntry = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    kind: Type.String({ description: 'imported, allocated, emailed, resent, revealed, withdrawn, revoked, returned or status_changed' }),
    orderId: Type.Union([Type.String(), Type.Null()]),
    lineId: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: true },
);

export const LicenseHistorySchema = Type.Object({
  license: Type.Object({ ...LicenseDetailSchema.properties, uploadId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]) }),
  history: Type.Array(LedgerEntry, { description: `oldest first, at most ${HISTORY_LIMIT.toLocaleString('en')} after "imported"` }),
  more: Type.Boolean({ description: 'more entries than listed: the oldest are shown' }),
});
