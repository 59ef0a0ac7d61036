import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Email, Id, MAX_QUANTITY, Nullable, OrderRef, Text } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

export const EmailSentData = Type.Object(
  {
    orderId: OrderRef,
    merchantId: OrderRef,
    lineId: OrderRef,
    productId: OrderRef,
    to: Email,
    licenseIds: Type.Array(Id, { minItems: 1, maxItems: MAX_QUANTITY }),
    providerMessageId: Nullable(Text(500)),
    resend: Type.Boolean(),
    sentAt: DateTime,
  },
  eventSchemaOptions('EmailSent', 1, 'The licenses of one order line were e-mailed to the customer (topic email-sent).'),
);
export type EmailSentData = Static<typeof EmailSentData>;
