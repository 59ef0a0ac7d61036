import type { EntityManager } from 'typeorm';
import type { Opening } from '../transactions';

/**
 * Records event ids as processed inside the handler's transaction and returns those seen for
 * the first time: a redelivered event is filtered out here and has no second effect.
 */
export async function claimFirstDeliveries(manager: EntityManager, consumer: string, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows: { event_id: string }[] = await manager.query(
    `INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::text[])
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [consumer, eventIds],
  );
  return new Set(rows.map((r) => r.event_id));
}

/**
 * The same claim as the statement that opens a consumer chunk's transaction, sent with its
 * BEGIN in one round trip (Transactions.runOpening); reads the ids seen for the first time.
 */
export function firstDeliveriesOpening(consumer: string, eventIds: string[]): Opening<Set<string>> {
  return {
    sql: (literal) =>
      `INSERT INTO inbox (consumer, event_id) SELECT ${literal(consumer)}, unnest(ARRAY[${eventIds.map(literal).join(', ')}]::text[])
       ON CONFLICT DO NOTHING RETURNING event_id`,
    read: (rows) => new Set(rows.map((r) => String(r['event_id']))),
  };
}
