import type { Metrics } from '@keypool/platform';

export interface NotificationMetrics {
  sent(kind: string): void;
  failed(kind: string, permanent: boolean): void;
  retried(statusCode: number | null): void;
  poolLowAlert(outcome: 'sent' | 'failed' | 'no_contacts'): void;
}

export const NOTIFICATION_METRICS = Symbol('NOTIFICATION_METRICS');

export function notificationMetrics(metrics: Metrics): NotificationMetrics {
  const sent = metrics.counter('notification_emails_sent_total', 'E-mails SendGrid accepted', ['kind']);
  const failed = metrics.counter('notification_emails_failed_total', 'E-mails given up on (permanent: SendGrid refused them)', ['kind', 'permanent']);
  const retried = metrics.counter('notification_email_retries_total', 'SendGrid requests retried after 429, 5xx or a network error', ['status']);
  const alerts = metrics.counter('notification_pool_low_alerts_total', 'PoolLow events handled, by outcome', ['outcome']);
  return {
    sent: (kind) => sent.inc({ kind }),
    failed: (kind, permanent) => failed.inc({ kind, permanent: String(permanent) }),
    retried: (statusCode) => retried.inc({ status: statusCode === null ? 'network' : String(statusCode) }),
    poolLowAlert: (outcome) => alerts.inc({ outcome }),
  };
}
