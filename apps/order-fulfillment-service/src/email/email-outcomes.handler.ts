import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OrderFulfilledData, Topics } from '@keypool/contracts';
import { contractEvent, type InboundEventOf, type Tx, strictLiteral } from '@keypool/messaging';
import { TOPICS, statementsInOneRoundTrip } from '@keypool/platform';
import { FulfillmentMetrics } from '../metrics/fulfillment-metrics';
import {
  FoldedOutcomes,
  LineOutcomeEvent,
  LineWrite,
  RowSource,
  foldLineOutcomes,
  lineChangeMembers,
  literalRowsOf,
  lockOrdersAndReadLines,
  refuseUnknown,
} from '../orders/line-changes';
import { lineKey } from '../orders/order-locks';
import { FULFILLED_ORDERS, FulfilledOrderRow, fulfilledData, fulfilmentMembers } from './order-fulfillment';

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
    // Field by field, not `...data`: spreading the parsed event and adding fields made V8 build a
    // fresh slow-mode object per record (about 1.3 KB and 60 µs each, the service's largest own allocation).
    const records = sent.map(({ eventId, data }): EmailRecord => ({
      orderId: data.orderId,
      lineId: data.lineId,
      kind: 'sent',
      eventId,
      resend: data.resend,
      recipient: data.to,
      licenseIds: data.licenseIds,
      providerMessageId: data.providerMessageId ?? null,
      reason: null,
      permanent: null,
      attempts: null,
      statusCode: null,
      at: data.sentAt,
    }));
    const { changed, history } = await lockAndFold(
      tx.manager,
      'EmailSent',
      records,
      sent.map(({ eventId, data }) => ({ orderId: data.orderId, lineId: data.lineId, eventId, outcome: { kind: 'email_sent', resend: data.resend } })),
    );
    // The licenses a line's e-mail named, kept when it is delivered (the last e-mail of the chunk for the line).
    const idsByLine = new Map(records.map((r) => [lineKey(r.orderId, r.lineId), r.licenseIds]));
    const delivered = changed.filter((line) => line.status === 'delivered');
    const writes = changed.map(({ orderId, lineId, status, reason }): LineWrite => ({
      orderId,
      lineId,
      state: { status, reason },
      ...(status === 'delivered' ? { deliveredLicenseIds: idsByLine.get(lineKey(orderId, lineId)) ?? [] } : {}),
    }));
    // Literals in one simple-protocol statement, not array parameters: see literalRowsOf.
    const [rows] = await statementsInOneRoundTrip(
      tx.manager,
      strictLiteral,
      (literal) => {
        const rowsOf = literalRowsOf(literal);
        const members = [emailHistoryMember(rowsOf, records), ...lineChangeMembers(rowsOf, writes, history)];
        if (delivered.length === 0) return [`WITH ${members.join(',\n')} SELECT 1`];
        members.push(
          ...fulfilmentMembers(
            literal,
            delivered.map((l) => l.orderId),
          ),
        );
        return [`WITH ${members.join(',\n')} ${FULFILLED_ORDERS}`];
      },
      { requireTransaction: true },
    );
    const fulfilled = delivered.length > 0 ? fulfilledData(rows as unknown as FulfilledOrderRow[]) : [];
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
    // Field by field, as in RecordEmailsSent.
    const records = failures.map(({ eventId, data }): EmailRecord => ({
      orderId: data.orderId,
      lineId: data.lineId,
      kind: 'failed',
      eventId,
      resend: data.resend,
      recipient: data.to,
      licenseIds: [],
      providerMessageId: null,
      reason: data.reason,
      permanent: data.permanent,
      attempts: data.attempts,
      statusCode: data.statusCode ?? null,
      at: data.failedAt,
    }));
    const { changed, history } = await lockAndFold(
      tx.manager,
      'EmailFailed',
      records,
      failures.map(({ eventId, data }) => ({
        orderId: data.orderId,
        lineId: data.lineId,
        eventId,
        outcome: { kind: 'email_failed', permanent: data.permanent, reason: data.reason, failedAt: data.failedAt },
      })),
    );
    const writes = changed.map(({ orderId, lineId, status, reason }): LineWrite => ({ orderId, lineId, state: { status, reason } }));
    // Literals, as in RecordEmailsSent.
    await statementsInOneRoundTrip(
      tx.manager,
      strictLiteral,
      (literal) => {
        const rowsOf = literalRowsOf(literal);
        return [`WITH ${[emailHistoryMember(rowsOf, records), ...lineChangeMembers(rowsOf, writes, history)].join(',\n')} SELECT 1`];
      },
      { requireTransaction: true },
    );
    return changed.length;
  }
}

/**
 * Locks the chunk's orders and reads its lines in one round trip, then refuses e-mails of
 * orders this service never stored, and folds the outcomes (which refuses unknown lines).
 */
async function lockAndFold(manager: EntityManager, type: string, records: EmailRecord[], outcomes: LineOutcomeEvent[]): Promise<FoldedOutcomes> {
  const { orders, states } = await lockOrdersAndReadLines(
    manager,
    records.map((r) => r.orderId),
    outcomes,
  );
  refuseUnknown(
    type,
    records.filter((r) => !orders.has(r.orderId)),
  );
  return foldLineOutcomes(states, type, outcomes);
}

/** The CTE member that appends the chunk's e-mails to their orders' history. */
function emailHistoryMember(rowsOf: RowSource, records: EmailRecord[]): string {
  const u = rowsOf(
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
    'e',
  );
  return `emails_written AS (
    INSERT INTO email_history (order_id, line_id, kind, event_id, resend, recipient, license_ids, provider_message_id,
                               reason, permanent, attempts, status_code, at)
    SELECT e.order_id, e.line_id, e.kind, e.event_id, e.resend, e.recipient, ARRAY(SELECT jsonb_array_elements_text(e.license_ids::jsonb)),
           e.provider_message_id, e.reason, e.permanent, e.attempts, e.status_code, e.at::timestamptz
      FROM ${u.from}
  )`;
}
