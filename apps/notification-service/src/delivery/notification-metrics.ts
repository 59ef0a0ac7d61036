import type { DataSource } from 'typeorm';
import type { Metrics } from '@keypool/platform';

export interface NotificationMetrics {
  sent(kind: string): void;
  failed(kind: string, permanent: boolean): void;
  retried(statusCode: number | null): void;
  poolLowAlert(outcome: 'sent' | 'failed' | 'no_contacts'): void;
}

export const NOTIFICATION_METRICS = Symbol('NOTIFICATION_METRICS');

export function notificationMetrics(metrics: Metrics): NotificationMetrics {
  const sent = metrics.counter('keypool_emails_sent_total', 'E-mails SendGrid accepted', ['kind']);
  const failed = metrics.counter(
    'keypool_emails_failed_total',
    'E-mails that failed: permanent="true" given up on, permanent="false" waiting for a retry (counted once per e-mail)',
    ['kind', 'permanent'],
  );
  const retried = metrics.counter('keypool_email_retries_total', 'SendGrid requests retried after 429, 5xx or a network error', ['status']);
  const alerts = metrics.counter('keypool_pool_low_alerts_total', 'PoolLow events handled, by outcome', ['outcome']);
  return {
    sent: (kind) => sent.inc({ kind }),
    failed: (kind, permanent) => failed.inc({ kind, permanent: String(permanent) }),
    retried: (statusCode) => retried.inc({ status: statusCode === null ? 'network' : String(statusCode) }),
    poolLowAlert: (outcome) => alerts.inc({ outcome }),
  };
}

/**
 * The e-mail outbox as the database has it at scrape time, so every instance reports the same:
 * e-mails waiting for a retry after SendGrid could not take them, and how long the oldest
 * unsent e-mail has been queued (0 when none waits).
 */
export function registerEmailQueueGauges(metrics: Metrics, dataSource: DataSource): void {
  // One query for both gauges of a scrape (prom-client collects them one after the other): a
  // gauge takes the row the other one read just before, unless it has had that row already, so
  // a later scrape never shows an older figure.
  let shared: { at: number; row: Promise<EmailQueueRow>; takenBy: Set<string> } | undefined;
  const read = (gauge: string): Promise<EmailQueueRow> => {
    if (!shared || shared.takenBy.has(gauge) || Date.now() - shared.at > 1000) {
      shared = { at: Date.now(), row: dataSource.query(EMAIL_QUEUE_QUERY).then((rows: EmailQueueRow[]) => rows[0]), takenBy: new Set() };
    }
    shared.takenBy.add(gauge);
    return shared.row;
  };
  metrics.gauge('keypool_emails_waiting_retry', 'License e-mails waiting for another attempt after SendGrid could not take them', [], async function () {
    this.set((await read('waiting')).waiting_retry);
  });
  metrics.gauge('keypool_email_oldest_pending_seconds', 'Age of the oldest license e-mail queued and not yet sent or failed', [], async function () {
    this.set((await read('oldest')).oldest_seconds);
  });
}

interface EmailQueueRow {
  waiting_retry: number;
  oldest_seconds: number;
}

/**
 * Written as an OR, not `status IN (...)`: PostgreSQL 15 answers an OR from the two partial
 * indexes (email_sends_due, email_sends_leased), so a scrape reads the queue only; the IN list
 * read every e-mail kept (EMAIL_HISTORY_RETENTION_DAYS of them).
 */
export const EMAIL_QUEUE_QUERY = `SELECT count(*) FILTER (WHERE status = 'pending' AND attempts > 0)::int AS waiting_retry,
              coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_seconds
         FROM email_sends WHERE (status = 'pending' OR status = 'sending')`;
