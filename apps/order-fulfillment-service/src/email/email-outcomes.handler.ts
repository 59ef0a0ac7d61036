import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OrderFulfilledData, Topics } from '@keypool/contracts';
import { contractEvent, type InboundEventOf, type Tx } from '@keypool/messaging';
import { TOPICS, unnestRows } from '@keypool/platform';
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
 * their history in one statement, one round trip. The insert reads the locked orders (the join),
 * so the locking read runs before it rather than in whatever order PostgreSQL picks for
 * independent CTEs; an unknown order's e-mail is not inserted, and the chunk is refused anyway.
 */
async function recordEmails(manager: EntityManager, records: EmailRecord[], type: string): Promise<void> {
  const u = unnestRows(
    records,
    {
      order_id: ['text', (r) => r.orderId],
      line_id: ['text', (r) => r.lineId],
      kind: ['text', (r) => r.kind],
      event_id: ['text', (r) => r.eventId],
      resend: ['boolean', (r) => r.resend],
      recipient: ['text', (r) => r.recipient],
      license_ids: ['text', (r) => JSON.stringify(r.licenseIds)],
      provider_message_id: ['text', (r) => r.providerMessageId],
      reason: ['text', (r) => r.reason],
      permanent: ['boolean', (r) => r.permanent],
      attempts: ['int', (r) => r.attempts],
      status_code: ['int', (r) => r.statusCode],
      at: ['text', (r) => r.at],
    },
    { first: 2 },
  );
  const locked: { order_id: string }[] = await manager.query(
    `WITH locked AS (
       SELECT order_id FROM orders WHERE order_id = ANY($1::text[]) ORDER BY order_id FOR UPDATE
     ), written AS (
       INSERT INTO email_history (order_id, line_id, kind, event_id, resend, recipient, license_ids, provider_message_id,
                                  reason, permanent, attempts, status_code, at)
       SELECT u.order_id, u.line_id, u.kind, u.event_id, u.resend, u.recipient, ARRAY(SELECT jsonb_array_elements_text(u.license_ids::jsonb)),
              u.provider_message_id, u.reason, u.permanent, u.attempts, u.status_code, u.at::timestamptz
         FROM ${u.from}
         JOIN locked ON locked.order_id = u.order_id
     )
     SELECT order_id FROM locked`,
    [[...new Set(records.map((r) => r.orderId))].sort(), ...u.parameters],
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
  const u = unnestRows(lines, {
    order_id: ['text', (l) => l.orderId],
    line_id: ['text', (l) => l.lineId],
    license_ids: ['text', (l) => JSON.stringify(idsByLine.get(lineKey(l.orderId, l.lineId)) ?? [])],
  });
  await manager.query(
    `UPDATE order_lines l SET delivered_license_ids = ARRAY(SELECT jsonb_array_elements_text(u.license_ids::jsonb))
       FROM ${u.from}
      WHERE l.order_id = u.order_id AND l.line_id = u.line_id`,
    u.parameters,
  );
}
