// Restarts a PRIVATE broker (KAFKA_PORT 19392 by default; the shared one on 9092 is never
// touched). A broker start and a 15 s outage take about a minute, so this file runs only with
// KEYPOOL_BROKER_RESTART_TEST=1 (jest.config.js leaves it out otherwise): the chaos run's job.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { SecretBox } from '@keypool/platform';
import { TestDatabase, TopicReader, freshDatabase, produce, uniqueName, waitUntil } from '@keypool/testing';
import { jsonDecoder, openDataSource, testMessaging } from '../test/harness';
import { Envelope, envelope } from './envelope';
import { Messaging } from './messaging';

const PORT = process.env['KEYPOOL_BROKER_RESTART_PORT'] ?? '19392';
const BROKERS = [`127.0.0.1:${PORT}`];
const repo = join(__dirname, '../../..');
const cipher = SecretBox.fromSpec(`t1:${randomBytes(32).toString('base64')}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stack(script: 'up' | 'down'): Promise<unknown> {
  return promisify(execFile)('bash', [join(repo, `tools/stack/${script}.sh`)], {
    cwd: repo,
    env: { ...process.env, KAFKA_PORT: PORT, STACK_SKIP_DB: '1', KAFKA_BROKERS: '' },
  });
}

describe('a consumer, the producer and the relay through a broker restart (private broker)', () => {
  const kafka = new Kafka({ clientId: 'broker-restart-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
  let db: TestDatabase;
  let dataSource: DataSource;
  let messaging: Messaging | undefined;
  let out: TopicReader | undefined;

  beforeAll(async () => {
    await stack('up');
    db = await freshDatabase('broker_restart');
    dataSource = await openDataSource(db.url);
  }, 120000);
  afterAll(async () => {
    await out?.close();
    await messaging?.stop();
    await dataSource?.destroy();
    await db?.drop();
    await stack('down');
  }, 60000);

  it('stays up through a 15 s broker stop, then consumes, publishes and relays again without calling onFatal', async () => {
    const inbound = uniqueName('restart-in');
    const outbound = uniqueName('restart-out');
    const fatal: unknown[] = [];
    messaging = testMessaging(dataSource, cipher, [outbound], (error) => fatal.push(error), {
      brokers: BROKERS,
      retry: { transientMaxDelayMs: 1000 },
    });
    await messaging.start([inbound]);
    const runner = await messaging.consume({
      name: 'restart',
      groupId: uniqueName('g'),
      topics: [inbound],
      decode: jsonDecoder,
      handle: async (events, tx) => {
        for (const e of events) {
          await tx.manager.query('INSERT INTO effects (event_id) VALUES ($1)', [e.envelope.id]);
          tx.publish({
            topic: outbound,
            key: e.envelope.id,
            aggregateType: 'test',
            envelope: envelope({ type: 'TestEchoed', source: 'test', data: { of: e.envelope.id } }),
          });
        }
      },
    });
    const event = (n: number) => envelope({ type: 'TestHappened', source: 'test', data: { n } });
    const before = Array.from({ length: 30 }, (_, n) => event(n));
    const after = Array.from({ length: 30 }, (_, n) => event(100 + n));
    await produce(
      kafka,
      inbound,
      before.map((e) => ({ key: e.id, value: JSON.stringify(e) })),
    );
    await waitUntil(async () => (await effectsOf(before)) === before.length, 20000, 'the events before the restart');

    await stack('down');
    const producerProbe = messaging.readinessProbes().find((p) => p.name === 'kafka-producer')!;
    const duringOutage = await producerProbe.check();
    const written = Array.from({ length: 10 }, (_, n) => envelope({ type: 'TestWritten', source: 'test', data: { n } }));
    await messaging.transactions.run((tx) =>
      Promise.resolve(written.forEach((e) => tx.publish({ topic: outbound, key: e.id, aggregateType: 'test', envelope: e }))),
    );
    await pause(15000);
    expect(runner.state).not.toBe('crashed');
    await stack('up');

    await produce(
      kafka,
      inbound,
      after.map((e) => ({ key: e.id, value: JSON.stringify(e) })),
    );
    await waitUntil(async () => (await effectsOf(after)) === after.length, 60000, 'the events after the restart');
    out = await TopicReader.open(kafka, outbound);
    const expected = before.length + written.length + after.length;
    await waitUntil(() => new Set(out!.values<Envelope>().map((e) => e.id)).size === expected, 30000, `${expected} distinct outbound events`);
    await waitUntil(async () => (await Promise.all(messaging!.readinessProbes().map((p) => p.check()))).every((r) => r.up), 30000, 'readiness');

    expect(duringOutage).toEqual({ up: false, detail: expect.stringMatching(/^kafka unreachable: /) });
    expect(fatal).toEqual([]);
    expect(runner.state).toBe('running');
    expect(out.values<Envelope>().map((e) => e.id)).toEqual(expect.arrayContaining(written.map((e) => e.id)));
  }, 180000);

  async function effectsOf(events: Envelope[]): Promise<number> {
    const [{ count }] = await dataSource.query('SELECT count(DISTINCT event_id)::int AS count FROM effects WHERE event_id = ANY($1)', [
      events.map((e) => e.id),
    ]);
    return count;
  }
});
