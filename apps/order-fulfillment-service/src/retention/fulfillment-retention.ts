import { DAY_MS, RetentionTable, atLeastInbox, revealAuditRetention } from '@keypool/messaging';
import type { FulfillmentConfig } from '../config';

/**
 * What the pruner deletes here besides the inbox and the outbox. Orders, their lines, saved
 * licenses and delivery rules are records and stay. The timeline of each line (status_history)
 * and its e-mails (email_history) is history: after ORDER_HISTORY_RETENTION_DAYS the order view
 * shows the line's current status, licenses and dates without the steps that led there.
 *
 * A refund applied to its order is part of the order's record and stays. A refund whose order
 * never arrived (applied_at still null) goes after PENDING_REFUND_RETENTION_DAYS; an order that
 * turns up later is then served as if it had not been refunded. Found by the partial index
 * order_refunds_pending (only unapplied rows, few), so applied history is never walked.
 */
export function fulfillmentRetention(config: FulfillmentConfig): RetentionTable[] {
  const historyMs = config.ORDER_HISTORY_RETENTION_DAYS * DAY_MS;
  return [
    { table: 'status_history', timeColumn: 'at', retentionMs: historyMs, find: { by: 'key', key: 'seq' } },
    { table: 'email_history', timeColumn: 'at', retentionMs: historyMs, find: { by: 'key', key: 'seq' } },
    revealAuditRetention(config.REVEAL_AUDIT_RETENTION_DAYS),
    {
      table: 'order_refunds',
      timeColumn: 'received_at',
      retentionMs: atLeastInbox('PENDING_REFUND_RETENTION_DAYS', config.PENDING_REFUND_RETENTION_DAYS, config),
      find: { by: 'index' },
      also: 'applied_at IS NULL',
    },
  ];
}
