import { MessagingTables1764400000000 } from './1764400000000-messaging-tables';
import { NotificationTables1764500000000 } from './1764500000000-notification-tables';
import { OutboxParking1765100000000 } from './1765100000000-outbox-parking';
import { EmailSends1765300000000 } from './1765300000000-email-sends';
import { InboxByAge1766300000001 } from './1766300000001-inbox-by-age';
import { EmailTextLocalesAndSenders1766500000001 } from './1766500000001-email-text-locales-and-senders';

/** In order; TypeORM records each in the migrations table and runs the new ones at start. */
export const notificationMigrations = [
  MessagingTables1764400000000,
  NotificationTables1764500000000,
  OutboxParking1765100000000,
  EmailSends1765300000000,
  InboxByAge1766300000001,
  EmailTextLocalesAndSenders1766500000001,
];
