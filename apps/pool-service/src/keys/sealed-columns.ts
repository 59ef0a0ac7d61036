import { OUTBOX_SEALED_COLUMN } from '@keypool/messaging';
import { type SealedColumn, rowContext } from '@keypool/platform';

/** A license value is bound to its license id: copied into another license's row, it does not open. */
export const licenseValueContext = (licenseId: string): string => rowContext('license', licenseId);
/** An allocation's sealed request and its sealed LicenseAllocated, each bound to the allocation and column. */
export const allocationRequestContext = (allocationId: string): string => rowContext('allocation-request', allocationId);
export const allocationEventContext = (allocationId: string): string => rowContext('allocation-event', allocationId);

/** Every column of pool-service's database that holds SecretBox ciphertexts (see `npm run keys:rotate`). */
export const POOL_SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    table: 'license',
    column: 'value',
    key: ['id'],
    identity: ['id'],
    context: (row) => licenseValueContext(row['id']),
    // Allocation takes a pool's licenses with SKIP LOCKED under the pool's lock: one the
    // rotation held would be passed over, and a line could wait with stock in its pool.
    guard: { column: 'pool_id', table: 'pool', key: 'id' },
  },
  { table: 'allocation', column: 'request', key: ['id'], identity: ['id'], context: (row) => allocationRequestContext(row['id']) },
  { table: 'allocation', column: 'event', key: ['id'], identity: ['id'], context: (row) => allocationEventContext(row['id']) },
  OUTBOX_SEALED_COLUMN,
];
