import { Type, type Static } from '@sinclair/typebox';
import { Count, DateTime, Id, Nullable, RequiredText } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const EmailFailedData = Type.Object(
  {
    orderId: Id,
    merchantId: Id,
    lineId: Id,
    productId: Id,
    // Not format-checked: a malformed address may be the very reason of the failure.
    to: RequiredText(320),
    reason: RequiredText(2000),
    permanent: Type.Boolean(),
    attempts: Count,
    resend: Type.Boolean(),
    failedAt: DateTime,
    statusCode: Nullable(Type.Integer()),
  },
  eventSchemaOptions(
    'EmailFailed',
    1,
    'Internal: sending the e-mail of one order line failed; permanent says notification has given up (topic email-failed).',
  ),
);
export type EmailFailedData = Static<typeof EmailFailedData>;
