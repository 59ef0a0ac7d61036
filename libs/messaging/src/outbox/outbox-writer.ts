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
 *
 * It runs for every transaction that publishes, so rows are appended to the text as they are
 * built, with no column arrays or row strings in between. Payloads travel in base64, a third
 * shorter than hex, so the text is smaller to build, encode and send; decode() stores the same bytes.
 */
export function outboxInsertStatement(cipher: SecretBox, events: OutgoingEvent[], literal: (value: string) => string): string | undefined {
  if (events.length === 0) return undefined;
  // VALUES keeps the rows in the order given (seq), as unnest does.
  let statement = 'INSERT INTO outbox (id, aggregate_type, aggregate_id, type, topic, payload) VALUES ';
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const payload = sealedPayload(cipher, event).toString('base64');
    if (i > 0) statement += ', ';
    statement += `(${literal(event.envelope.id)}::uuid, ${literal(event.aggregateType)}, ${literal(event.key)}, ${literal(event.envelope.type)}, ${literal(event.topic)}, decode('${payload}', 'base64'))`;
  }
  return `${statement} ${ON_CONFLICT}`;
}

function columnsOf(cipher: SecretBox, events: OutgoingEvent[]): OutboxColumns {
  const c: OutboxColumns = { ids: [], aggregateTypes: [], aggregateIds: [], types: [], topics: [], payloads: [] };
  for (const event of events) {
    c.ids.push(event.envelope.id);
    c.aggregateTypes.push(event.aggregateType);
    c.aggregateIds.push(event.key);
    c.types.push(event.envelope.type);
    c.topics.push(event.topic);
    c.payloads.push(sealedPayload(cipher, event));
  }
  return c;
}

function sealedPayload(cipher: SecretBox, event: OutgoingEvent): Buffer {
  return cipher.encrypt(JSON.stringify(event.envelope), outboxPayloadContext(event.envelope.id));
}
