import { Type, Static } from '@sinclair/typebox';
import { revealAuditRetentionEnv, serviceEnvSchema } from '@keypool/platform';

export const fulfillmentEnvSchema = serviceEnvSchema({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: 'postgres://postgres@127.0.0.1:5432/keypool_fulfillment' }),
  STUCK_LINE_AGE_MS: Type.Integer({
    minimum: 1000,
    maximum: 30 * 24 * 3600 * 1000,
    default: 15 * 60 * 1000,
    description: 'an order line still received or allocated after this long is stuck (keypool_order_lines_stuck, GET /v1/stuck-lines)',
  }),
  ORDER_HISTORY_RETENTION_DAYS: Type.Number({
    minimum: 1,
    maximum: 36500,
    default: 365,
    description: "how long an order's status and e-mail timeline (status_history, email_history) is kept; the order, its lines and licenses stay",
  }),
  PENDING_REFUND_RETENTION_DAYS: Type.Number({
    minimum: 1,
    maximum: 36500,
    default: 90,
    description:
      'how long a refund whose order never arrived is kept (order_refunds, not applied); an order arriving later is served as if never refunded. At least INBOX_RETENTION_DAYS. Applied refunds stay with their order',
  }),
  ...revealAuditRetentionEnv,
});

export type FulfillmentConfig = Static<typeof fulfillmentEnvSchema>;
