import { Type, type Static } from '@sinclair/typebox';
import { Count, DateTime, Nullable, OrderRef, RequiredText } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const EmailFailedData = Type.Object(
  {
    orderId: OrderRef,
    merchantId: OrderRef,
    lineId: OrderRef,
    productId: OrderRef,
    // Not format-checked: a malformed address may be the very reason of the failure.
    to: RequiredText(254),
    reason: RequiredText(2000),
    permanent: Type.Boolean(),
    attempts: Count,
    resend: Type.Boolean(),
    failedAt: DateTime,
    statusCode: Nullable(Type.Integer()),
  },
  eventSchemaOptions('EmailFailed', 1, 'Internal: sending the e-mail of one order line failed; permanent says notification has given up (topic email-failed).'),
);
export type EmailFailedData = Static<typeof EmailFailedData>;
