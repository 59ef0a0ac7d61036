import type { EntityManager } from 'typeorm';
import type { SecretBox } from '@keypool/platform';
import type { OutgoingEvent } from '../envelope';
import { outboxPayloadContext } from './outbox-sealing';

/**
 * Adds events to the outbox inside the caller's transaction: they exist exactly when the
 * state change that caused them commits. Payloads are sealed because some carry licenses, each
 * bound to its event id (a payload copied into another row does not open).
 */
export async function writeToOutbox(manager: EntityManager, cipher: SecretBox, events: OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const ids: string[] = [];
  const aggregateTypes: string[] = [];
  const aggregateIds: string[] = [];
  const types: string[] = [];
  const topics: string[] = [];
  const payloads: Buffer[] = [];
  for (const event of events) {
    ids.push(event.envelope.id);
    aggregateTypes.push(event.aggregateType);
    aggregateIds.push(event.key);
    types.push(event.envelope.type);
    topics.push(event.topic);
    payloads.push(cipher.encrypt(JSON.stringify(event.envelope), outboxPayloadContext(event.envelope.id)));
  }
  // One round trip for the whole batch; unnest keeps the rows in the order given (seq).
  // An event id written again (a deliberate re-publish: consumers de-duplicate by id) is queued
  // once more behind what is already waiting, whether or not its earlier copy went out yet.
  await manager.query(
    `INSERT INTO outbox (id, aggregate_type, aggregate_id, type, topic, payload)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[])
     ON CONFLICT (id) DO UPDATE SET
       seq = nextval(pg_get_serial_sequence('outbox', 'seq')), payload = EXCLUDED.payload,
       topic = EXCLUDED.topic, aggregate_id = EXCLUDED.aggregate_id, created_at = now(), published_at = NULL,
       parked_at = NULL, park_reason = NULL`,
    [ids, aggregateTypes, aggregateIds, types, topics, payloads],
  );
}
