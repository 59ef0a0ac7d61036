import { Type, Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@keypool/platform';

export const notificationEnvSchema = serviceEnvSchema({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: 'postgres://postgres@127.0.0.1:5432/keypool_notification' }),
  SENDGRID_API_KEY: Type.String({ minLength: 1, description: 'SendGrid API key (the sink key in tests and the demo)' }),
  SENDGRID_BASE_URL: Type.String({ pattern: '^https?://', default: 'https://api.sendgrid.com', description: 'point at the local sendgrid-sink in tests and the demo' }),
  MAIL_FROM: Type.String({ pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', default: 'licenses@keypool.local' }),
  MAIL_FROM_NAME: Type.String({ minLength: 1, maxLength: 100, default: 'keypool' }),
  SENDGRID_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 256, default: 16, description: 'requests of one chunk in flight at once' }),
  SENDGRID_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'license e-mails sent in one request at most (one personalization each); 1 sends each alone' }),
  SENDGRID_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
  SENDGRID_RETRY_BASE_MS: Type.Integer({ minimum: 1, maximum: 60000, default: 500 }),
  SENDGRID_RETRY_MAX_DELAY_MS: Type.Integer({ minimum: 1, maximum: 60000, default: 8000 }),
  // Below the consumer's 30 s session timeout: retries happen while the chunk's transaction
  // is open, and a chunk that outlives the session would be handed to another instance.
  SENDGRID_RETRY_BUDGET_MS: Type.Integer({ minimum: 0, maximum: 120000, default: 20000, description: 'total retry wait per consumed chunk' }),
  SENDGRID_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120000, default: 10000 }),
});

export type NotificationConfig = Static<typeof notificationEnvSchema>;
