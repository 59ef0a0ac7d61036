import type { EntityManager } from 'typeorm';
import type { SecretBox } from '@keypool/platform';
import type { OutgoingEvent } from '../envelope';
import { outboxPayloadContext } from './outbox-sealing';

interface OutboxColumns {
  ids: string[];
  aggregateTypes: string[];
  aggregateIds: string[];
  types: string[];
  topics: string[];
  payloads: Buffer[];
}

// An event id written again (a deliberate re-publish: consumers de-duplicate by id) is queued
// once more behind what is already waiting, whether or not its earlier copy went out yet.
const ON_CONFLICT = `ON CONFLICT (id) DO UPDATE SET
       seq = nextval(pg_get_serial_sequence('outbox', 'seq')), payload = EXCLUDED.payload,
       topic = EXCLUDED.topic, aggregate_id = EXCLUDED.aggregate_id, created_at = now(), published_at = NULL,
       parked_at = NULL, park_reason = NULL`;

/**
 * Adds events to the outbox inside the caller's transaction: they exist exactly when the
 * state change that caused them commits. Payloads are sealed because some carry licenses, each
 * bound to its event id (a payload copied into another row does not open).
 */
export async function writeToOutbox(manager: EntityManager, cipher: SecretBox, events: OutgoingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const c = columnsOf(cipher, events);
  // One round trip for the whole batch; unnest keeps the rows in the order given (seq).
  await manager.query(
    `INSERT INTO outbox (id, aggregate_type, aggregate_id, type, topic, payload)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[])
     ${ON_CONFLICT}`,
    [c.ids, c.aggregateTypes, c.aggregateIds, c.types, c.topics, c.payloads],
  );
}

/**
 * The same insert as one statement of literals (`literal` is the driver's escapeLiteral), for
 * Transactions to send with its COMMIT in one round trip; undefined when there is nothing to add.
 * Payloads are sealed, so the statement text carries no license in the clear.
 */
export function outboxInsertStatement(cipher: SecretBox, events: OutgoingEvent[], literal: (value: string) => string): string | undefined {
  if (events.length === 0) return undefined;
  const c = columnsOf(cipher, events);
  const rows = c.ids.map(
    (id, i) =>
      `(${literal(id)}::uuid, ${literal(c.aggregateTypes[i])}, ${literal(c.aggregateIds[i])}, ${literal(c.types[i])}, ${literal(c.topics[i])}, decode('${c.payloads[i].toString('hex')}', 'hex'))`,
  );
  // VALUES keeps the rows in the order given (seq), as unnest does.
  return `INSERT INTO outbox (id, aggregate_type, aggregate_id, type, topic, payload) VALUES ${rows.join(', ')} ${ON_CONFLICT}`;
}

function columnsOf(cipher: SecretBox, events: OutgoingEvent[]): OutboxColumns {
  const c: OutboxColumns = { ids: [], aggregateTypes: [], aggregateIds: [], types: [], topics: [], payloads: [] };
  for (const event of events) {
    c.ids.push(event.envelope.id);
    c.aggregateTypes.push(event.aggregateType);
    c.aggregateIds.push(event.key);
    c.types.push(event.envelope.type);
    c.topics.push(event.topic);
    c.payloads.push(cipher.encrypt(JSON.stringify(event.envelope), outboxPayloadContext(event.envelope.id)));
  }
  return c;
}
