import { type SealedColumn, rowContext } from '@keypool/platform';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The context an outbox payload is sealed with: its event id, as the uuid column returns it
 * (lower case, hyphenated), so the writer and the readers name the row alike.
 */
export function outboxPayloadContext(eventId: string): string {
  // Ids keypool writes are already spelled so (uuidv7()): no need to take them apart and rebuild them.
  if (CANONICAL_UUID.test(eventId)) return rowContext('outbox', eventId);
  const hex = eventId.toLowerCase().replace(/[{}-]/g, '');
  const canonical = /^[0-9a-f]{32}$/.test(hex) ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` : eventId;
  return rowContext('outbox', canonical);
}

/** Every service's outbox, published rows included: their payloads are sealed the same way. */
export const OUTBOX_SEALED_COLUMN: SealedColumn = {
  table: 'outbox',
  column: 'payload',
  key: ['seq'],
  identity: ['id'],
  context: (row) => outboxPayloadContext(row['id']),
};
