import { OUTBOX_SEALED_COLUMN } from '@keypool/messaging';
import { type SealedColumn, rowContext } from '@keypool/platform';

/** A saved license value is bound to its order line and license id: moved to another row, it does not open. */
export const lineLicenseContext = (orderId: string, lineId: string, licenseId: string): string => rowContext('line-license', orderId, lineId, licenseId);

/** Every column of order-fulfillment's database that holds SecretBox ciphertexts (see `npm run keys:rotate`). */
export const FULFILLMENT_SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    table: 'line_licenses',
    column: 'value_sealed',
    key: ['order_id', 'line_id', 'position'],
    identity: ['license_id'],
    context: (row) => lineLicenseContext(row['order_id'], row['line_id'], row['license_id']),
  },
  OUTBOX_SEALED_COLUMN,
];
