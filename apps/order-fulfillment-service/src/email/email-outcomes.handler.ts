import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OrderFulfilledData, Topics } from '@keypool/contracts';
import { contractEvent, type InboundEventOf, type Tx } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { FulfillmentMetrics } from '../metrics/fulfillment-metrics';
import { applyLineOutcomes, refuseUnknown } from '../orders/line-changes';
import { lineKey } from '../orders/order-locks';
import { fulfilCompletedOrders } from './order-fulfillment';

interface EmailRecord {
  orderId: string;
  lineId: string;
  kind: 'sent' | 'failed';
  eventId: string;
  resend: boolean;
  recipient: string;
  licenseIds: string[];
  providerMessageId: string | null;
  reason: string | null;
  permanent: boolean | null;
  attempts: number | null;
  statusCode: number | null;
  at: string;
}

/**
 * Records each e-mail in the order's history and delivers its line; an order whose lines are
 * all delivered becomes fulfilled and announces it once, through the outbox. Runs in the
 * consumer's transaction, which holds the chunk's inbox rows.
 */
@Injectable()
export class RecordEmailsSent {
  constructor(
    private readonly metrics: FulfillmentMetrics,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async record(events: InboundEventOf<'EmailSent'>[], tx: Tx): Promise<OrderFulfilledData[]> {
    const sent = events.map((e) => ({ eventId: e.envelope.id, data: e.envelope.data }));
    const records = sent.map(({ eventId, data }): EmailRecord => ({
      ...data,
      kind: 'sent',
      eventId,
      recipient: data.to,
      providerMessageId: data.providerMessageId ?? null,
      reason: null,
      permanent: null,
      attempts: null,
      statusCode: null,
      at: data.sentAt,
    }));
    await recordEmails(tx.manager, records, 'EmailSent');
    const changed = await applyLineOutcomes(
      tx.manager,
      'EmailSent',
      sent.map(({ eventId, data }) => ({ orderId: data.orderId, lineId: data.lineId, eventId, outcome: { kind: 'email_sent', resend: data.resend } })),
    );
    const delivered = changed.filter((line) => line.status === 'delivered');
    await rememberDeliveredLicenseIds(tx.manager, delivered, records);
    const fulfilled = await fulfilCompletedOrders(
      tx.manager,
      delivered.map((l) => l.orderId),
      null,
    );
    tx.publish(...fulfilled.map((data) => contractEvent('OrderFulfilled', data, { producer: 'order-fulfillment-service', topics: this.topics })));
    tx.afterCommit(() => this.metrics.ordersFulfilled.inc(fulfilled.length));
    return fulfilled;
  }
}

/**
 * Records each failed e-mail; a permanent failure leaves the line email_failed for support to
 * resend, a transient one (notification retries on its own) keeps it allocated with the reason.
 * Runs in the consumer's transaction.
 */
@Injectable()
export class RecordEmailFailures {
  async record(events: InboundEventOf<'EmailFailed'>[], tx: Tx): Promise<number> {
    const failures = events.map((e) => ({ eventId: e.envelope.id, data: e.envelope.data }));
    await recordEmails(
      tx.manager,
      failures.map(({ eventId, data }) => ({
        ...data,
        kind: 'failed',
        eventId,
        recipient: data.to,
        licenseIds: [],
        providerMessageId: null,
        statusCode: data.statusCode ?? null,
        at: data.failedAt,
      })),
      'EmailFailed',
    );
    const changed = await applyLineOutcomes(
      tx.manager,
      'EmailFailed',
      failures.map(({ eventId, data }) => ({
        orderId: data.orderId,
        lineId: data.lineId,
        eventId,
        outcome: { kind: 'email_failed', permanent: data.permanent, reason: data.reason, failedAt: data.failedAt },
      })),
    );
    return changed.length;
  }
}

/**
 * Locks the chunk's orders (as lockOrders does: sorted, FOR UPDATE) and appends the e-mails to
 * their history in one statement, one round trip: the locking read runs first, and the insert
 * is rolled back with the chunk when an order is unknown.
 */
async function recordEmails(manager: EntityManager, records: EmailRecord[], type: string): Promise<void> {
  const column = <T>(pick: (r: EmailRecord) => T) => records.map(pick);
  const locked: { order_id: string }[] = await manager.query(
    `WITH locked AS (
       SELECT order_id FROM orders WHERE order_id = ANY($14::text[]) ORDER BY order_id FOR UPDATE
     ), written AS (
       INSERT INTO email_history (order_id, line_id, kind, event_id, resend, recipient, license_ids, provider_message_id,
                                  reason, permanent, attempts, status_code, at)
       SELECT u.order_id, u.line_id, u.kind, u.event_id, u.resend, u.recipient, ARRAY(SELECT jsonb_array_elements_text(u.license_ids::jsonb)),
              u.provider_message_id, u.reason, u.permanent, u.attempts, u.status_code, u.at::timestamptz
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::boolean[], $11::int[], $12::int[], $13::text[])
           AS u(order_id, line_id, kind, event_id, resend, recipient, license_ids, provider_message_id, reason, permanent, attempts, status_code, at)
     )
     SELECT order_id FROM locked`,
    [
      column((r) => r.orderId),
      column((r) => r.lineId),
      column((r) => r.kind),
      column((r) => r.eventId),
      column((r) => r.resend),
      column((r) => r.recipient),
      column((r) => JSON.stringify(r.licenseIds)),
      column((r) => r.providerMessageId),
      column((r) => r.reason),
      column((r) => r.permanent),
      column((r) => r.attempts),
      column((r) => r.statusCode),
      column((r) => r.at),
      [...new Set(records.map((r) => r.orderId))].sort(),
    ],
  );
  const known = new Set(locked.map((r) => r.order_id));
  refuseUnknown(
    type,
    records.filter((r) => !known.has(r.orderId)),
  );
}

async function rememberDeliveredLicenseIds(manager: EntityManager, lines: { orderId: string; lineId: string }[], records: EmailRecord[]): Promise<void> {
  if (lines.length === 0) return;
  const idsByLine = new Map<string, string[]>();
  for (const record of records) idsByLine.set(lineKey(record.orderId, record.lineId), record.licenseIds);
  await manager.query(
    `UPDATE order_lines l SET delivered_license_ids = ARRAY(SELECT jsonb_array_elements_text(u.license_ids::jsonb))
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(order_id, line_id, license_ids)
      WHERE l.order_id = u.order_id AND l.line_id = u.line_id`,
    [lines.map((l) => l.orderId), lines.map((l) => l.lineId), lines.map((l) => JSON.stringify(idsByLine.get(lineKey(l.orderId, l.lineId)) ?? []))],
  );
}
