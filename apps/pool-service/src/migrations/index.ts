import { MessagingTables1764400000000 } from './1764400000000-messaging-tables';
import { PoolsLicensesAllocations1764400000001 } from './1764400000001-pools-licenses-allocations';
import { PoolCounters1764600000002 } from './1764600000002-pool-counters';
import { OutboxParking1765100000000 } from './1765100000000-outbox-parking';
import { HeldLineOvertaken1765400000000 } from './1765400000000-held-line-overtaken';
import { LicenseHashVersion1765500000000 } from './1765500000000-license-hash-version';
import { RevealAudit1765600000002 } from './1765600000002-reveal-audit';
import { InboxByAge1766300000001 } from './1766300000001-inbox-by-age';
import { Refunds1766600000002 } from './1766600000002-refunds';
import { PoolKeyPattern1766900000001 } from './1766900000001-pool-key-pattern';
import { Uploads1767000000001 } from './1767000000001-uploads';
import { RefundedLineByAge1767100000001 } from './1767100000001-refunded-line-by-age';
import { LicenseAllocatedByPool1767170000001 } from './1767170000001-license-allocated-by-pool';
import { HeldAllocationsWithoutCancelled1767170000002 } from './1767170000002-held-allocations-without-cancelled';
import { LicenseLedger1767200000001 } from './1767200000001-license-ledger';
import { UploadKey1767200000002 } from './1767200000002-upload-key';
import { LicensePoolCheck1767300000001 } from './1767300000001-license-pool-check';

/** In order; TypeORM records each in the migrations table and runs the new ones at start. */
export const poolMigrations = [
  MessagingTables1764400000000,
  PoolsLicensesAllocations1764400000001,
  PoolCounters1764600000002,
  OutboxParking1765100000000,
  HeldLineOvertaken1765400000000,
  LicenseHashVersion1765500000000,
  RevealAudit1765600000002,
  InboxByAge1766300000001,
  Refunds1766600000002,
  PoolKeyPattern1766900000001,
  Uploads1767000000001,
  RefundedLineByAge1767100000001,
  LicenseAllocatedByPool1767170000001,
  HeldAllocationsWithoutCancelled1767170000002,
  LicenseLedger1767200000001,
  UploadKey1767200000002,
  LicensePoolCheck1767300000001,
];
