import { Type, type Static } from '@sinclair/typebox';
import { Id, License, MAX_QUANTITY, OrderLineContext, ParentLicenses } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

// Event-carried state: everything the e-mail needs travels with the licenses,
// so the notification service never reads another service's database.
export const LicenseAllocatedData = Type.Object(
  {
    ...OrderLineContext,
    poolId: Id,
    licenses: Type.Array(License, { minItems: 1, maxItems: MAX_QUANTITY }),
    parentLicenses: ParentLicenses,
  },
  eventSchemaOptions(
    'LicenseAllocated',
    1,
    'Licenses were allocated to one order line (topic license-allocated); a resend repeats it with the CloudEvents extension resendof.',
  ),
);
export type LicenseAllocatedData = Static<typeof LicenseAllocatedData>;
