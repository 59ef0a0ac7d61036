import { RetentionTable, atLeastInbox } from '@keypool/messaging';
import type { NotificationConfig } from '../config';

/**
 * What the pruner deletes here besides the inbox and the outbox: e-mails whose outcome is final
 * (a pending or sending one is never touched, however old) and the record of each request to
 * SendGrid. Merchant texts and alert contacts are settings and stay.
 */
export function emailRetention(config: NotificationConfig): RetentionTable[] {
  const retentionMs = atLeastInbox('EMAIL_HISTORY_RETENTION_DAYS', config.EMAIL_HISTORY_RETENTION_DAYS, config);
  return [
    { table: 'email_sends', timeColumn: 'created_at', retentionMs, find: { by: 'key', key: 'id' }, also: `status IN ('sent', 'failed') AND finished_at < $1` },
    { table: 'deliveries', timeColumn: 'created_at', retentionMs, find: { by: 'key', key: 'id' } },
  ];
}
