// The end-to-end baseline: keypool's four hops as bare kafkajs consumers, no framework, no
// encryption, no inbox or outbox. Each hop consumes a batch, writes one row per event in one
// PostgreSQL transaction, produces the next event and commits its offsets: the limit of the
// messaging pattern on this machine. Run as processes grouped like keypool's services
// (`node -r @swc-node/register tools/bench/bare-hops.ts <hop,hop> <topic prefix> <database url>`).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type EachBatchPayload } from 'kafkajs';
import { Pool } from 'pg';

/** consumed topic → produced topic and type, as keypool's hops go (CONTRACT.md, README topics). */
export const BARE_HOPS = {
  fulfil: { from: 'order-paid', to: 'allocation-requested', type: 'AllocationRequested' },
  allocate: { from: 'allocation-requested', to: 'license-allocated', type: 'LicenseAllocated' },
  notify: { from: 'license-allocated', to: 'email-sent', type: 'EmailSent' },
  complete: { from: 'email-sent', to: 'order-fulfilled', type: 'OrderFulfilled' },
} as const;
export type BareHop = keyof typeof BARE_HOPS;

/** Processes as keypool groups its hops: fulfillment (first and last), pool, notification. */
export const BARE_PROCESSES: BareHop[][] = [['fulfil', 'complete'], ['allocate'], ['notify']];

export const BARE_TOPICS = [...new Set(Object.values(BARE_HOPS).flatMap((h) => [h.from, h.to]))];

export const BARE_SCHEMA = `CREATE TABLE IF NOT EXISTS bare_event (id uuid PRIMARY KEY, hop text NOT NULL, order_id text NOT NULL, data jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())`;

async function runHop(kafka: Kafka, db: Pool, prefix: string, hop: BareHop): Promise<() => Promise<void>> {
  const { from, to, type } = BARE_HOPS[hop];
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `${prefix}.bare-${hop}`, maxWaitTimeInMs: 1000 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: `${prefix}.${from}`, fromBeginning: true });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  consumer.on(consumer.events.CRASH, (e) =>
    process.stderr.write(`[bare ${hop}] consumer crashed (restart: ${e.payload.restart}): ${e.payload.error.stack ?? e.payload.error.message}\n`),
  );
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async (payload: EachBatchPayload) => {
      const { batch } = payload;
      if (batch.messages.length === 0) return;
      const events = batch.messages.map((m) => JSON.parse(m.value!.toString()) as { id: string; data: { orderId: string } });
      const next = events.map((e) => ({ ...e, id: randomUUID(), type, time: new Date().toISOString() }));
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        await client.query(`INSERT INTO bare_event (id, hop, order_id, data) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])`, [
          next.map((e) => e.id),
          next.map(() => hop),
          next.map((e) => e.data.orderId),
          next.map((e) => JSON.stringify(e.data)),
        ]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      await producer.send({ topic: `${prefix}.${to}`, acks: -1, messages: next.map((e) => ({ key: e.data.orderId, value: JSON.stringify(e) })) });
      const last = batch.messages[batch.messages.length - 1].offset;
      payload.resolveOffset(last);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
    },
  });
  await joined;
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}

async function main(): Promise<void> {
  const [hops, prefix, url] = process.argv.slice(2);
  // The default partitioner is the one wanted (keypool's is compatible); its v2 notice is noise.
  process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
  // Warnings and errors go to stderr (the bench inherits it), so a stalled baseline says why.
  const kafka = new Kafka({
    clientId: 'bench-bare',
    brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      process.stderr.write(`[bare ${hops}] kafkajs ${entry.label} ${entry.namespace}: ${message} ${JSON.stringify(extra)}\n`);
    },
  });
  const db = new Pool({ connectionString: url, max: 10 });
  db.on('error', (error) => process.stderr.write(`[bare ${hops}] idle PostgreSQL client: ${error.message}\n`));
  const stops = await Promise.all(hops.split(',').map((hop) => runHop(kafka, db, prefix, hop as BareHop)));
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void Promise.all(stops.map((stop) => stop()))
      .then(() => db.end())
      .finally(() => process.exit(0));
  });
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
