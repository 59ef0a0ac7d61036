import type { EntityManager } from 'typeorm';
import { type LiteralOf, type UnnestColumn, literalRows, unnestRows } from '@keypool/platform';
import type { AttemptRecord, SendOutcome } from './sendgrid-delivery';

export type DeliveryKind = 'license' | 'pool_low';

/**
 * A deliveries row as the handlers write it: every e-mail we tried to send and how each SendGrid
 * request went, never the e-mail's content. id and created_at come from the database; the table
 * is the migrations' (1764500000000-notification-tables), written and read with SQL only.
 */
export interface DeliveryRecord {
  eventId: string;
  kind: DeliveryKind;
  merchantId: string;
  orderId: string | null;
  lineId: string | null;
  productId: string | null;
  poolId: string | null;
  recipients: string[];
  resendOf: string | null;
  status: 'sent' | 'failed';
  permanent: boolean | null;
  statusCode: number | null;
  providerMessageId: string | null;
  reason: string | null;
  attempts: AttemptRecord[];
}

/** The columns of a deliveries row that say how the sending went. */
export function outcomeColumns(
  outcome: SendOutcome,
): Pick<DeliveryRecord, 'status' | 'permanent' | 'statusCode' | 'providerMessageId' | 'reason' | 'attempts'> {
  return {
    status: outcome.ok ? 'sent' : 'failed',
    permanent: outcome.ok ? null : outcome.permanent,
    statusCode: outcome.ok ? null : outcome.statusCode,
    providerMessageId: outcome.ok ? outcome.providerMessageId : null,
    reason: outcome.ok ? null : outcome.reason,
    attempts: outcome.attempts,
  };
}

/**
 * Inserts a chunk's delivery records in one statement. Not TypeORM's insert builder: its
 * parameter handling was 12% of the service's CPU for a chunk of 150 records.
 */
export async function recordDeliveries(manager: EntityManager, records: DeliveryRecord[]): Promise<void> {
  if (records.length === 0) return;
  const u = unnestRows(records, DELIVERY_COLUMNS);
  await manager.query(`INSERT INTO deliveries (${u.columns}) ${DELIVERY_VALUES('u')} FROM ${u.from}`, u.parameters);
}

/**
 * The same insert as a statement of literals, for a CTE: each record names the email_sends row
 * it belongs to (`send_id` of alias `d`), which `join` may use to keep only some of them.
 */
export function insertDeliveriesOf(records: (DeliveryRecord & { sendId: string })[], literal: LiteralOf, join: string): string {
  const d = literalRows(records, { ...DELIVERY_COLUMNS, send_id: ['bigint', (r) => r.sendId] }, literal, { alias: 'd' });
  return `INSERT INTO deliveries (${Object.keys(DELIVERY_COLUMNS).join(', ')}) ${DELIVERY_VALUES('d')} FROM ${d.from} ${join}`;
}

const DELIVERY_COLUMNS: Record<string, UnnestColumn<DeliveryRecord>> = {
  event_id: ['text', (r) => r.eventId],
  kind: ['text', (r) => r.kind],
  merchant_id: ['text', (r) => r.merchantId],
  order_id: ['text', (r) => r.orderId],
  line_id: ['text', (r) => r.lineId],
  product_id: ['text', (r) => r.productId],
  pool_id: ['text', (r) => r.poolId],
  // A list per row: PostgreSQL arrays of arrays must be rectangular, so each travels as JSON.
  recipients: ['text', (r) => JSON.stringify(r.recipients)],
  resend_of: ['text', (r) => r.resendOf],
  status: ['text', (r) => r.status],
  permanent: ['boolean', (r) => r.permanent],
  status_code: ['int', (r) => r.statusCode],
  provider_message_id: ['text', (r) => r.providerMessageId],
  reason: ['text', (r) => r.reason],
  attempts: ['text', (r) => JSON.stringify(r.attempts)],
};

const DELIVERY_VALUES = (a: string) =>
  `SELECT ${a}.event_id, ${a}.kind, ${a}.merchant_id, ${a}.order_id, ${a}.line_id, ${a}.product_id, ${a}.pool_id,
          ARRAY(SELECT jsonb_array_elements_text(${a}.recipients::jsonb)), ${a}.resend_of,
          ${a}.status, ${a}.permanent, ${a}.status_code, ${a}.provider_message_id, ${a}.reason, ${a}.attempts::jsonb`;
