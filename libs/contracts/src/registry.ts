import type { Static } from '@sinclair/typebox';
import type { CloudEvent } from './cloudevent';
import { AllocationDeferredData } from './events/allocation-deferred';
import { AllocationRequestedData } from './events/allocation-requested';
import { EmailFailedData } from './events/email-failed';
import { EmailSentData } from './events/email-sent';
import { LicenseAllocatedData } from './events/license-allocated';
import { OrderFulfilledData } from './events/order-fulfilled';
import { OrderPaidData } from './events/order-paid';
import { PoolLowData } from './events/pool-low';
import { AllocationRefundedData } from './events/allocation-refunded';
import { LicenseRevokedData } from './events/license-revoked';
import { OrderLineHeldData } from './events/order-line-held';
import { OrderRefundedData } from './events/order-refunded';
import { LicensesRevealedData } from './events/licenses-revealed';

/** CloudEvents `type` → schema of its `data`. The one list of every event. */
export const eventDataSchemas = {
  OrderPaid: OrderPaidData,
  LicenseAllocated: LicenseAllocatedData,
  EmailSent: EmailSentData,
  OrderFulfilled: OrderFulfilledData,
  PoolLow: PoolLowData,
  AllocationRequested: AllocationRequestedData,
  AllocationDeferred: AllocationDeferredData,
  EmailFailed: EmailFailedData,
  OrderRefunded: OrderRefundedData,
  LicenseRevoked: LicenseRevokedData,
  OrderLineHeld: OrderLineHeldData,
  AllocationRefunded: AllocationRefundedData,
  LicensesRevealed: LicensesRevealedData,
} as const;

export type EventType = keyof typeof eventDataSchemas;
export type EventDataOf<T extends EventType> = Static<(typeof eventDataSchemas)[T]>;
export type CloudEventOf<T extends EventType> = CloudEvent<T, EventDataOf<T>>;
/** Any keypool event; switch on `type` to narrow `data`. */
export type KeypoolEvent = { [T in EventType]: CloudEventOf<T> }[EventType];

export const eventTypes = Object.keys(eventDataSchemas) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(eventDataSchemas, type);
}

/** Value for the CloudEvents `dataschema` attribute of an event of this type. */
export function dataschemaOf(type: EventType): string {
  // Always set: every event schema is built with eventSchemaOptions.
  return eventDataSchemas[type].$id as string;
}
