import { OUTBOX_SEALED_COLUMN } from '@keypool/messaging';
import { type SealedColumn, rowContext } from '@keypool/platform';

/** A queued e-mail's sealed content is bound to the event it answers: moved to another row, it does not open. */
export const emailSendContext = (eventId: string): string => rowContext('email-send', eventId);

/** Every column of notification-service's database that holds SecretBox ciphertexts (see `npm run keys:rotate`). */
export const NOTIFICATION_SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: 'email_sends', column: 'payload', key: ['id'], identity: ['event_id'], context: (row) => emailSendContext(row['event_id']) },
  OUTBOX_SEALED_COLUMN,
];
