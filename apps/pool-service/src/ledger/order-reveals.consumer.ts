import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LicensesRevealedData, Topics } from '@keypool/contracts';
import { Messaging, contractTopicConsumer } from '@keypool/messaging';
import { TOPICS, unnestRows } from '@keypool/platform';
import { isUuid } from '../shared/ids';

/** What one LicensesRevealed added to the ledger, and how many of its ids it passed over. */
export interface OrderRevealOutcome {
  added: number;
  /** Ids no license here has (or that are not uuids). */
  unknown: number;
  /** Ids of another merchant's licenses than the event's: never written to. */
  foreign: number;
}

/**
 * A `revealed` entry per license of each LicensesRevealed: the order and line, at the reveal's
 * time, with order-fulfillment's audit entry (`via: 'order_line'`, `auditId` of its
 * GET /v1/audit/reveals), the caller's kind and key id. Only licenses of the event's merchant are
 * written; the others are counted, one outcome per event.
 */
export async function appendOrderReveals(manager: EntityManager, reveals: readonly LicensesRevealedData[]): Promise<OrderRevealOutcome[]> {
  const rows = reveals.flatMap((reveal, event) =>
    [...new Set(reveal.licenseIds)].filter(isUuid).map((licenseId) => ({
      event,
      licenseId,
      merchantId: reveal.merchantId,
      orderId: reveal.orderId,
      lineId: reveal.lineId,
      at: reveal.revealedAt,
      detail: JSON.stringify({ via: 'order_line', auditId: reveal.auditId, keyId: reveal.keyId ?? null, callerKind: reveal.callerKind }),
    })),
  );
  const outcomes = reveals.map((reveal) => ({ added: 0, unknown: new Set(reveal.licenseIds).size, foreign: 0 }));
  if (rows.length === 0) return outcomes;
  const u = unnestRows(rows, {
    event: ['int', (r) => r.event],
    license_id: ['uuid', (r) => r.licenseId],
    merchant_id: ['text', (r) => r.merchantId],
    order_id: ['text', (r) => r.orderId],
    line_id: ['text', (r) => r.lineId],
    at: ['timestamptz', (r) => r.at],
    detail: ['jsonb', (r) => r.detail],
  });
  const counted: { event: number; added: number; other_merchant: number }[] = await manager.query(
    `WITH found AS (
       SELECT u.*, l.merchant_id AS owner FROM ${u.from} JOIN license l ON l.id = u.license_id
     ), added AS (
       INSERT INTO license_ledger (license_id, merchant_id, kind, at, order_id, line_id, detail)
       SELECT license_id, owner, 'revealed', at, order_id, line_id, detail FROM found WHERE owner = merchant_id
       RETURNING 1
     )
     SELECT event, count(*) FILTER (WHERE owner = merchant_id)::int AS added, count(*) FILTER (WHERE owner <> merchant_id)::int AS other_merchant
       FROM found GROUP BY event`,
    u.parameters,
  );
  for (const { event, added, other_merchant: foreign } of counted) {
    outcomes[event] = { added, foreign, unknown: outcomes[event].unknown - added - foreign };
  }
  return outcomes;
}

/**
 * Feeds LicensesRevealed (order-fulfillment's reveals of an order line) into the license ledger,
 * in the chunk's transaction with the inbox rows, so a redelivery adds nothing. Ids it does not
 * hold or of another merchant are skipped and counted in a warning (ids and counts, no values).
 */
@Injectable()
export class OrderRevealsConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(OrderRevealsConsumer.name);

  constructor(
    private readonly messaging: Messaging,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging.consume(
      contractTopicConsumer('LicensesRevealed', {
        consumer: 'pool-service',
        topics: this.topics,
        name: 'pool-reveal-ledger',
        handle: async (events, tx) => {
          const outcomes = await appendOrderReveals(
            tx.manager,
            events.map((e) => e.envelope.data),
          );
          tx.afterCommit(() =>
            events.forEach((e, i) => {
              const { unknown, foreign } = outcomes[i];
              if (unknown + foreign === 0) return;
              const { orderId, lineId, merchantId, auditId } = e.envelope.data;
              this.logger.warn(
                { eventId: e.envelope.id, orderId, lineId, merchantId, auditId, unknown, foreign },
                'order reveal: license ids skipped in the ledger (unknown here, or of another merchant)',
              );
            }),
          );
        },
      }),
    );
  }
}
