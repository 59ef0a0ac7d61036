import { Type, type Static } from '@sinclair/typebox';
import { OrderLineContext, ParentLicenses, Quantity } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

// Internal command: order-fulfillment asks pool-service for one order line's
// licenses. It already carries the order context so pool-service can publish
// LicenseAllocated without reading the order-fulfillment database.
export const AllocationRequestedData = Type.Object(
  {
    ...OrderLineContext,
    // The delivery rule is resolved by the sender: quantity, or 1 per product.
    licenseCount: Quantity,
    parentLicenses: ParentLicenses,
  },
  eventSchemaOptions(
    'AllocationRequested',
    1,
    'Internal: order-fulfillment asks pool-service to allocate licenses for one order line (topic allocation-requested).',
  ),
);
export type AllocationRequestedData = Static<typeof AllocationRequestedData>;
