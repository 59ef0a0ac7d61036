import { Type, Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@keypool/platform';

export const notificationEnvSchema = serviceEnvSchema({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: 'postgres://postgres@127.0.0.1:5432/keypool_notification' }),
  SENDGRID_API_KEY: Type.String({ minLength: 1, description: 'SendGrid API key (the sink key in tests and the demo)' }),
  SENDGRID_BASE_URL: Type.String({
    pattern: '^https?://',
    default: 'https://api.sendgrid.com',
    description: 'point at the local sendgrid-sink in tests and the demo',
  }),
  MAIL_FROM: Type.String({ pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', default: 'licenses@keypool.local' }),
  MAIL_FROM_NAME: Type.String({ minLength: 1, maxLength: 100, default: 'keypool' }),
  CONSOLE_URL: Type.String({
    pattern: '^https?://[^\\s]+$',
    maxLength: 500,
    default: 'http://localhost:3004',
    description: "the ops console's address: PoolLow e-mails link to <CONSOLE_URL>/pools/<poolId>",
  }),
  SENDGRID_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 256, default: 16, description: 'requests of one chunk in flight at once' }),
  SENDGRID_BATCH_SIZE: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 100,
    description: 'license e-mails sent in one request at most (one personalization each); 1 sends each alone',
  }),
  SENDGRID_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
  SENDGRID_RETRY_BASE_MS: Type.Integer({ minimum: 1, maximum: 60000, default: 500 }),
  SENDGRID_RETRY_MAX_DELAY_MS: Type.Integer({ minimum: 1, maximum: 60000, default: 8000 }),
  // Retries within one hand-off to SendGrid; what is still failing after it waits in email_sends
  // for a later attempt. Sending plus this wait must stay well inside EMAIL_SEND_LEASE_MS.
  SENDGRID_RETRY_BUDGET_MS: Type.Integer({ minimum: 0, maximum: 120000, default: 20000, description: 'total retry wait per batch of claimed e-mails' }),
  SENDGRID_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120000, default: 10000 }),
  EMAIL_MAX_RETRY_AGE_MS: Type.Integer({
    minimum: 1000,
    default: 86400000,
    description: 'an e-mail still failing transiently this long after it was queued fails for good (EmailFailed permanent)',
  }),
  EMAIL_RETRY_BASE_MS: Type.Integer({
    minimum: 1,
    maximum: 3600000,
    default: 5000,
    description: 'first wait before an e-mail SendGrid could not take is tried again; doubles per attempt',
  }),
  EMAIL_RETRY_MAX_DELAY_MS: Type.Integer({
    minimum: 1,
    maximum: 3600000,
    default: 60000,
    description: 'longest wait between two attempts (a longer Retry-After is honoured)',
  }),
  EMAIL_SEND_LEASE_MS: Type.Integer({
    minimum: 1000,
    maximum: 3600000,
    default: 120000,
    description: 'an e-mail claimed for sending longer than this without an outcome is claimed again, once',
  }),
  EMAIL_SENDER_ID: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9._-]{1,100}$',
      description:
        "this instance's stable name (e.g. the pod name): after a restart it claims its dead predecessor's in-flight e-mails at once instead of after the lease; must differ between instances that run at the same time",
    }),
  ),
  EMAIL_SEND_POLL_MS: Type.Integer({
    minimum: 10,
    maximum: 60000,
    default: 1000,
    description: 'how often the sender looks for due retries and expired claims',
  }),
  EMAIL_SEND_CLAIM_SIZE: Type.Integer({ minimum: 1, maximum: 5000, default: 500, description: 'e-mails one sender claims and sends at a time' }),
  EMAIL_HISTORY_RETENTION_DAYS: Type.Number({
    minimum: 7,
    maximum: 36500,
    default: 90,
    description:
      'how long sent and failed e-mails (email_sends, deliveries) are kept; at least INBOX_RETENTION_DAYS, as email_sends de-duplicates by event id too',
  }),
});

export type NotificationConfig = Static<typeof notificationEnvSchema>;
