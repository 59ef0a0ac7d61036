import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Metrics, SecretBox } from '@keypool/platform';
import { PG_ADMIN_URL, TcpProxy, TestDatabase, TopicReader, freshDatabase, headerText, produce, testKafka, uniqueName, waitUntil } from '@keypool/testing';
import { jsonDecoder, openDataSource, testMessaging } from '../test/harness';
import { envelope } from './envelope';
import { Messaging } from './messaging';
import { PermanentFailure } from './consumer/permanent-failure';

const kafka = testKafka();
const cipher = SecretBox.fromSpec(`t1:${randomBytes(32).toString('base64')}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });

describe('consumers and dependencies that go away (real broker, PostgreSQL behind a TCP proxy)', () => {
  let db: TestDatabase;
  let direct: DataSource;
  let proxied: DataSource;
  let proxy: TcpProxy;
  const running: Messaging[] = [];
  const readers: TopicReader[] = [];

  beforeAll(async () => {
    db = await freshDatabase('transient');
    direct = await openDataSource(db.url);
    proxy = await TcpProxy.start(Number(new URL(PG_ADMIN_URL).port || 5432));
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    proxied = await openDataSource(viaProxy.toString());
  });
  afterEach(async () => {
    await proxy.up();
    await Promise.all(running.splice(0).map((m) => m.stop()));
    await Promise.all(readers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await proxied.destroy();
    await direct.destroy();
    await proxy.close();
    await db.drop();
  });

  async function started(consumes: string, metrics = new Metrics()): Promise<Messaging> {
    const messaging = testMessaging(proxied, cipher, [], undefined, { metrics, retry: { transientMaxDelayMs: 400 } });
    running.push(messaging);
    await messaging.start([consumes]);
    return messaging;
  }
  const event = (data: Record<string, unknown>) => envelope({ type: 'TestHappened', source: 'test', data });
  const consumersProbe = (messaging: Messaging) => messaging.readinessProbes().find((p) => p.name === 'kafka-consumers')!;

  it('waits out an 8 s database outage mid-stream: every event handled once, none dead-lettered, readiness red with the reason meanwhile', async () => {
    const topic = uniqueName('db-outage');
    const metrics = new Metrics();
    const messaging = await started(topic, metrics);
    const events = Array.from({ length: 300 }, (_, n) => event({ n }));
    const ids = events.map((e) => e.id);
    await produce(
      kafka,
      topic,
      events.map((e, n) => ({ key: `order-${n % 9}`, value: JSON.stringify(e) })),
    );
    await messaging.consume({
      name: 'outage',
      groupId: uniqueName('g'),
      topics: [topic],
      decode: jsonDecoder,
      maxBatchSize: 5,
      handle: async (batch, tx) => {
        for (const e of batch) await tx.manager.query('INSERT INTO effects (event_id) VALUES ($1)', [e.envelope.id]);
        await tx.manager.query('SELECT pg_sleep(0.1)');
      },
    });
    await waitUntil(async () => (await effectsOf(ids)) >= 30, 20000, 'the first events');

    await proxy.down();
    const handledBeforeOutage = await effectsOf(ids);
    const samples: { up: boolean; detail?: string }[] = [];
    for (const end = Date.now() + 8000; Date.now() < end; await pause(500)) samples.push(await consumersProbe(messaging).check());
    const databaseDuring = await messaging.databaseDown();
    const waitingDuring = await gaugeValue(metrics, 'keypool_consumer_waiting');
    await proxy.up();

    await waitUntil(async () => (await effectsOf(ids)) === ids.length, 20000, 'every event after the outage');
    await waitUntil(async () => (await consumersProbe(messaging).check()).up, 10000, 'readiness to turn green');
    expect(handledBeforeOutage).toBeLessThan(ids.length);
    const [{ rows, distinct }] = await direct.query(
      'SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM effects WHERE event_id = ANY($1)',
      [ids],
    );
    expect({ rows, distinct }).toEqual({ rows: ids.length, distinct: ids.length });
    expect(await dlqSize(topic)).toBe(0);
    expect(samples.at(-1)).toEqual({ up: false, detail: expect.stringMatching(/^outage waits on .*(ECONNREFUSED|Connection terminated)/) });
    expect(databaseDuring).toMatch(/^database unreachable: /);
    expect(waitingDuring).toBe(1);
    expect(await gaugeValue(metrics, 'keypool_consumer_waiting')).toBe(0);
    expect(await gaugeValue(metrics, 'keypool_consumer_transient_failures_total')).toBeGreaterThan(0);
    // Known as transient from the first failure: none took the retry-then-dead-letter path.
    expect(await gaugeValue(metrics, 'keypool_handler_retries_total')).toBeUndefined();
    expect(await gaugeValue(metrics, 'keypool_events_dead_lettered_total')).toBeUndefined();
  });

  it('retries a deadlock past maxAttempts without dead-lettering it, dead-letters a PermanentFailure at once and an unexplained failure after maxAttempts', async () => {
    const topic = uniqueName('classes');
    const messaging = await started(topic);
    const dlq = await TopicReader.open(kafka, `${topic}.dlq`);
    readers.push(dlq);
    const permanent = event({ kind: 'permanent' });
    const deadlocked = event({ kind: 'deadlocked' });
    const odd = event({ kind: 'odd' });
    const last = event({ kind: 'last' });
    const tries = { permanent: 0, deadlocked: 0, odd: 0 };
    await produce(
      kafka,
      topic,
      [permanent, deadlocked, odd, last].map((e) => ({ key: 'one-partition', value: JSON.stringify(e) })),
    );
    await messaging.consume({
      name: 'classes',
      groupId: uniqueName('g'),
      topics: [topic],
      decode: jsonDecoder,
      handle: async (batch, tx) => {
        for (const e of batch) {
          const kind = e.envelope.data['kind'] as keyof typeof tries | 'last';
          if (kind === 'permanent' && ++tries.permanent) throw new PermanentFailure('order refers to no pool');
          if (kind === 'deadlocked' && ++tries.deadlocked <= 7) throw deadlock();
          if (kind === 'odd' && ++tries.odd) throw new Error('something nobody expected');
          await tx.manager.query('INSERT INTO effects (event_id) VALUES ($1)', [e.envelope.id]);
        }
      },
    });
    await waitUntil(async () => (await effectsOf([last.id])) === 1, 20000, 'the last event');
    const letters = await dlq.waitForCount(2);

    expect(await effectsOf([deadlocked.id])).toBe(1);
    expect(await effectsOf([permanent.id, odd.id])).toBe(0);
    expect(tries.deadlocked).toBe(8);
    expect(letters.map((m) => [JSON.parse(m.value!.toString()).id, headerText(m, 'dlq-attempts')])).toEqual([
      [permanent.id, '1'],
      [odd.id, '3'],
    ]);
    expect(headerText(letters[1], 'dlq-reason')).toContain('still failing after 3 attempts: Error: something nobody expected');
    await pause(500);
    expect(dlq.messages).toHaveLength(2);
  });

  it('does not dead-letter an unexplained failure while the database does not answer; it waits and handles it once', async () => {
    const topic = uniqueName('unknown-down');
    const messaging = await started(topic);
    const puzzling = event({ kind: 'puzzling' });
    let tries = 0;
    await produce(kafka, topic, [{ key: 'k', value: JSON.stringify(puzzling) }]);
    await messaging.consume({
      name: 'unknown-down',
      groupId: uniqueName('g'),
      topics: [topic],
      decode: jsonDecoder,
      handle: async (batch, tx) => {
        tries++;
        // The last allowed try finds the database gone, and the error says nothing about why.
        if (tries === 3) {
          await proxy.down();
          setTimeout(() => void proxy.up(), 2000);
        }
        if (tries <= 3) throw new Error('the driver said something odd');
        await tx.manager.query('INSERT INTO effects (event_id) VALUES ($1)', [batch[0].envelope.id]);
      },
    });
    await waitUntil(async () => (await effectsOf([puzzling.id])) === 1, 20000, 'the event after the outage');
    expect(tries).toBe(4);
    expect(await dlqSize(topic)).toBe(0);
  });

  async function effectsOf(eventIds: string[]): Promise<number> {
    const [{ count }] = await direct.query('SELECT count(*)::int AS count FROM effects WHERE event_id = ANY($1)', [eventIds]);
    return count;
  }

  async function dlqSize(topic: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(`${topic}.dlq`);
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  }
});

async function gaugeValue(metrics: Metrics, name: string): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  return metric ? (await metric.get()).values[0]?.value : undefined;
}
