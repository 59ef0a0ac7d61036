import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Id, MAX_QUANTITY, Nullable, OrderRef, StringEnum } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

/** Who revealed: support or the merchant. A key holder's kind only: a checkout key cannot reveal. */
export const revealCallerKinds = ['support', 'merchant'] as const;

// Internal: order-fulfillment showed an order line's license values to support or the merchant
// and recorded it in its reveal audit log; pool-service adds a `revealed` entry to each license's
// ledger. No values, and no reason: the reason is free text that may name a customer, so it stays
// in order-fulfillment's audit entry (auditId), read through its GET /v1/audit/reveals.
export const LicensesRevealedData = Type.Object(
  {
    orderId: OrderRef,
    merchantId: OrderRef,
    lineId: OrderRef,
    licenseIds: Type.Array(Id, { minItems: 1, maxItems: MAX_QUANTITY, uniqueItems: true }),
    auditId: Id,
    callerKind: StringEnum(revealCallerKinds),
    keyId: Nullable(Id),
    revealedAt: DateTime,
  },
  eventSchemaOptions(
    'LicensesRevealed',
    1,
    "Internal: order-fulfillment revealed an order line's license values, recorded in its reveal audit entry auditId (topic licenses-revealed, key orderId).",
  ),
);
export type LicensesRevealedData = Static<typeof LicensesRevealedData>;
