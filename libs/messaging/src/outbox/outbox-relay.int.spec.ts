import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, type Producer } from 'kafkajs';
import pino from 'pino';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { Metrics, SecretBox } from '@keypool/platform';
import { TEST_BROKERS, TestDatabase, TopicReader, createTopics, freshDatabase, testKafka, testLogger, uniqueName, waitUntil } from '@keypool/testing';
import { openDataSource } from '../../test/harness';
import { Envelope, OutgoingEvent, envelope } from '../envelope';
import { Messaging } from '../messaging';
import { OutboxRelay, OutboxRelayOptions } from './outbox-relay';
import { writeToOutbox } from './outbox-writer';

const kafka = testKafka();
const cipher = SecretBox.fromSpec(`t1:${randomBytes(32).toString('base64')}`);
/** The same key id with other key material: what a restored backup under a rotated key looks like. */
const wrongKeyMaterial = SecretBox.fromSpec(`t1:${randomBytes(32).toString('base64')}`);
const unknownKeyId = SecretBox.fromSpec(`retired:${randomBytes(32).toString('base64')}`);
/** Over the broker's default message.max.bytes (1,048,588) however it is framed. */
const OVERSIZED = 1_200_000;

describe('outbox relay limits against a real broker and PostgreSQL', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const running: Messaging[] = [];
  const readers: TopicReader[] = [];

  beforeAll(async () => {
    db = await freshDatabase('outbox_limits');
    dataSource = await openDataSource(db.url);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((m) => m.stop()));
    await Promise.all(readers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  async function started(topic: string, outbox: Partial<OutboxRelayOptions> = {}): Promise<{ messaging: Messaging; metrics: Metrics }> {
    const metrics = new Metrics();
    const messaging = new Messaging({
      serviceName: uniqueName('relay-limits'),
      kafka: { brokers: TEST_BROKERS, clientId: 'relay-limits-test', partitions: 3, replicationFactor: 1 },
      dataSource,
      cipher,
      logger: testLogger(),
      metrics,
      retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
      outbox: { sweepMs: 200, batchSize: 100, ...outbox },
      producesTo: [topic],
      onFatal: () => undefined,
    });
    running.push(messaging);
    await messaging.start();
    return { messaging, metrics };
  }
  async function reader(topic: string): Promise<TopicReader> {
    const r = await TopicReader.open(kafka, topic);
    readers.push(r);
    return r;
  }
  const outgoing = (topic: string, key: string, data: Record<string, unknown>): OutgoingEvent => ({
    topic,
    key,
    aggregateType: 'test',
    envelope: envelope({ type: 'TestHappened', source: 'test', data }),
  });
  const ids = (events: OutgoingEvent[]) => events.map((e) => e.envelope.id);
  const received = (out: TopicReader) => out.values<Envelope>().map((e) => e.id);
  function receivedByKey(out: TopicReader, key: string): string[] {
    return out.messages.filter((m) => m.key?.toString() === key).map((m) => (JSON.parse(m.value!.toString()) as Envelope).id);
  }
  async function parkReason(event: OutgoingEvent): Promise<{ parked: boolean; reason: string | null; published: boolean }> {
    const [row] = await dataSource.query('SELECT parked_at, park_reason, published_at FROM outbox WHERE id = $1', [event.envelope.id]);
    return { parked: row.parked_at !== null, reason: row.park_reason, published: row.published_at !== null };
  }
  async function parkedGauge(metrics: Metrics): Promise<number> {
    const metric = await metrics.registry.getSingleMetric('keypool_outbox_parked')!.get();
    return metric.values[0].value;
  }

  it('parks an event larger than the broker accepts, with its reason, and publishes the events before and after it', async () => {
    const topic = uniqueName('oversized');
    const { messaging } = await started(topic);
    const out = await reader(topic);
    const before = outgoing(topic, 'order-1', { n: 1 });
    const oversized = outgoing(topic, 'order-1', { blob: 'x'.repeat(OVERSIZED) });
    const after = outgoing(topic, 'order-1', { n: 3 });
    await messaging.transactions.run((tx) => Promise.resolve([before, oversized, after].forEach((e) => tx.publish(e))));

    await out.waitForCount(2);
    await messaging.relay.drain();
    expect(received(out)).toEqual(ids([before, after]));
    expect(await parkReason(oversized)).toEqual({
      parked: true,
      published: false,
      reason: expect.stringMatching(/bytes as a Kafka record, over the 1048527 bytes/),
    });
  });

  it('parks the one event the broker refuses in a shared send, and publishes its neighbours once each, in order', async () => {
    const topic = uniqueName('refused');
    // Limits above the broker's own: everything goes in one request and the broker is the judge.
    const wide = 8 * 1024 * 1024;
    const { messaging, metrics } = await started(topic, { maxRecordBytes: wide, maxPartitionBytes: wide, maxSendBytes: wide });
    const out = await reader(topic);
    const parkedBefore = await parkedGauge(metrics);
    const events = [
      outgoing(topic, 'order-1', { n: 1 }),
      outgoing(topic, 'order-2', { n: 2 }),
      outgoing(topic, 'order-1', { blob: 'x'.repeat(OVERSIZED) }),
      outgoing(topic, 'order-3', { n: 4 }),
      outgoing(topic, 'order-1', { n: 5 }),
      outgoing(topic, 'order-2', { n: 6 }),
    ];
    const refused = events[2];
    await messaging.transactions.run((tx) => Promise.resolve(events.forEach((e) => tx.publish(e))));

    await out.waitForCount(5);
    await messaging.relay.drain();
    expect(received(out).sort()).toEqual(ids(events.filter((e) => e !== refused)).sort());
    for (const key of ['order-1', 'order-2', 'order-3']) {
      expect(receivedByKey(out, key)).toEqual(ids(events.filter((e) => e.key === key && e !== refused)));
    }
    expect(await parkReason(refused)).toEqual({ parked: true, published: false, reason: 'the broker refused it: MESSAGE_TOO_LARGE' });
    expect(await parkedGauge(metrics)).toBe(parkedBefore + 1);
  });

  it('publishes a backlog larger than the caps in several sends, each key in order', async () => {
    const topic = uniqueName('backlog');
    const limits = { maxPartitionBytes: 48 * 1024, maxSendBytes: 96 * 1024 };
    const { messaging } = await started(topic, limits);
    const sendBatch = jest.spyOn(messaging.producer, 'sendBatch');
    const out = await reader(topic);
    const keys = ['order-a', 'order-b', 'order-c', 'order-d'];
    const events = Array.from({ length: 80 }, (_, n) => outgoing(topic, keys[n % keys.length], { n, filler: 'f'.repeat(8000) }));
    await messaging.transactions.run((tx) => Promise.resolve(events.forEach((e) => tx.publish(e))));

    await out.waitForCount(events.length);
    await messaging.relay.drain();
    expect(out.messages).toHaveLength(events.length);
    for (const key of keys) expect(receivedByKey(out, key)).toEqual(ids(events.filter((e) => e.key === key)));
    const sends = sendBatch.mock.calls.map(([batch]) => batch.topicMessages!.flatMap((t) => t.messages));
    expect(sends.length).toBeGreaterThanOrEqual(Math.ceil((events.length * 8000) / limits.maxSendBytes));
    for (const messages of sends) {
      expect(messages.reduce((sum, m) => sum + (m.value as Buffer).length, 0)).toBeLessThanOrEqual(limits.maxSendBytes);
    }
  });

  it('parks an event it cannot decrypt and publishes the rest; one sealed with a key id it lacks waits, with its key', async () => {
    const topic = uniqueName('unreadable');
    const { messaging, metrics } = await started(topic);
    const out = await reader(topic);
    const parkedBefore = await parkedGauge(metrics);
    const first = outgoing(topic, 'order-1', { n: 1 });
    const unreadable = outgoing(topic, 'order-2', { n: 2 });
    const waiting = outgoing(topic, 'order-3', { n: 3 });
    const behindWaiting = outgoing(topic, 'order-3', { n: 4 });
    const sameKeyAfterUnreadable = outgoing(topic, 'order-2', { n: 5 });
    const last = outgoing(topic, 'order-1', { n: 6 });
    await dataSource.transaction(async (manager) => {
      await writeToOutbox(manager, cipher, [first]);
      await writeToOutbox(manager, wrongKeyMaterial, [unreadable]);
      await writeToOutbox(manager, unknownKeyId, [waiting]);
      await writeToOutbox(manager, cipher, [behindWaiting, sameKeyAfterUnreadable, last]);
    });
    messaging.relay.wake();

    await out.waitForCount(3);
    await messaging.relay.drain();
    expect(received(out).sort()).toEqual(ids([first, sameKeyAfterUnreadable, last]).sort());
    expect(receivedByKey(out, 'order-1')).toEqual(ids([first, last]));
    expect(await parkReason(unreadable)).toEqual({ parked: true, published: false, reason: expect.stringContaining('cannot be decrypted') });
    expect(await parkReason(waiting)).toEqual({ parked: false, published: false, reason: null });
    expect(await parkReason(behindWaiting)).toEqual({ parked: false, published: false, reason: null });
    expect(await parkedGauge(metrics)).toBe(parkedBefore + 1);
    await dataSource.query('DELETE FROM outbox WHERE id = ANY($1)', [ids([waiting, behindWaiting])]);
  });

  it('publishes nothing while another instance holds the relay lock, and all of it once the lock is free', async () => {
    const topic = uniqueName('locked');
    await createTopics(kafka, [topic]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const lockId = 515151;
    const relay = new OutboxRelay(dataSource, producer, cipher, testLogger(), { batchSize: 100, sweepMs: 60000, lockId }, kafka, new Metrics());
    const otherInstance = new Client({ connectionString: db.url });
    await otherInstance.connect();
    const events = Array.from({ length: 3 }, (_, n) => outgoing(topic, 'order-1', { n }));
    const unpublished = async () =>
      (await dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1) AND published_at IS NULL', [ids(events)]))[0].n;
    try {
      await otherInstance.query('SELECT pg_advisory_lock($1)', [lockId]);
      await dataSource.transaction((manager) => writeToOutbox(manager, cipher, events));
      await relay.drain();
      expect(await unpublished()).toBe(3);

      await otherInstance.query('SELECT pg_advisory_unlock($1)', [lockId]);
      await relay.drain();
      expect(await unpublished()).toBe(0);
      const out = await reader(topic);
      await out.waitForCount(events.length);
      expect(received(out)).toEqual(ids(events));
    } finally {
      await relay.stop();
      await otherInstance.end();
      await producer.disconnect();
    }
  });

  it('parks nothing while the broker is away, logs it once, and drains by itself when it is back', async () => {
    const topic = uniqueName('away');
    await createTopics(kafka, [topic]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let brokerAway = true;
    const sendBatch: Producer['sendBatch'] = (batch) => {
      if (brokerAway) return Promise.reject(new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')));
      return producer.sendBatch(batch);
    };
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => done(void lines.push(JSON.parse(String(chunk)))) }));
    const relay = new OutboxRelay(
      dataSource,
      { ...producer, sendBatch },
      cipher,
      logger,
      { batchSize: 100, sweepMs: 20, lockId: 424242, maxBackoffMs: 80 },
      kafka,
      new Metrics(),
    );
    const out = await reader(topic);
    const events = Array.from({ length: 5 }, (_, n) => outgoing(topic, 'order-1', { n }));
    await dataSource.transaction((manager) => writeToOutbox(manager, cipher, events));
    relay.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const [{ parked }] = await dataSource.query('SELECT count(*)::int AS parked FROM outbox WHERE id = ANY($1) AND parked_at IS NOT NULL', [ids(events)]);
      expect(parked).toBe(0);
      expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual(['outbox relay cannot publish; it retries with backoff']);

      brokerAway = false;
      await out.waitForCount(events.length);
      expect(received(out)).toEqual(ids(events));
      await waitUntil(() => lines.some((l) => l.msg === 'outbox relay publishes again'), 5000, 'the recovery line');
    } finally {
      await relay.stop();
      await producer.disconnect();
    }
  });
});
