import { DAY_MS, RetentionTable, revealAuditRetention } from '@keypool/messaging';
import type { FulfillmentConfig } from '../config';

/**
 * What the pruner deletes here besides the inbox and the outbox. Orders, their lines, saved
 * licenses and delivery rules are records and stay. The timeline of each line (status_history)
 * and its e-mails (email_history) is history: after ORDER_HISTORY_RETENTION_DAYS the order view
 * shows the line's current status, licenses and dates without the steps that led there.
 */
export function fulfillmentRetention(config: FulfillmentConfig): RetentionTable[] {
  const historyMs = config.ORDER_HISTORY_RETENTION_DAYS * DAY_MS;
  return [
    { table: 'status_history', timeColumn: 'at', retentionMs: historyMs, find: { by: 'key', key: 'seq' } },
    { table: 'email_history', timeColumn: 'at', retentionMs: historyMs, find: { by: 'key', key: 'seq' } },
    revealAuditRetention(config.REVEAL_AUDIT_RETENTION_DAYS),
  ];
}
