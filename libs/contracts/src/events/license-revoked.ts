import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Id, OrderRef, RequiredText } from '../fields';
import { eventSchemaOptions } from '../schema-meta';

// Public: a sold license must no longer activate. The value is never in the event; the merchant's
// activation server looks the license up by id over pool-service's API.
export const LicenseRevokedData = Type.Object(
  {
    licenseId: Id,
    merchantId: OrderRef,
    poolId: Id,
    orderId: OrderRef,
    lineId: OrderRef,
    reason: RequiredText(200),
    revokedAt: DateTime,
  },
  eventSchemaOptions('LicenseRevoked', 1, 'Public: a sold license is revoked and never sold again (topic license-revoked, key licenseId).'),
);
export type LicenseRevokedData = Static<typeof LicenseRevokedData>;
