import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SecretBox } from '@keypool/platform';
import { TopicReader, createTopics, headerText, produce, testKafka, uniqueName, waitUntil } from '@keypool/testing';
import { jsonDecoder, messagingTestBed, testMessaging } from '../test/harness';
import { Envelope, envelope } from './envelope';
import { Messaging } from './messaging';
import { PermanentFailure } from './consumer/permanent-failure';

const kafka = testKafka();
const keySpec = `t1:${randomBytes(32).toString('base64')}`;
const cipher = SecretBox.fromSpec(keySpec);

describe('messaging against a real broker and PostgreSQL', () => {
  const bed = messagingTestBed('messaging');
  const { running, readers } = bed;

  async function started(producesTo: string[], consumes: string[] = []): Promise<Messaging> {
    const messaging = testMessaging(bed.dataSource, cipher, producesTo);
    running.push(messaging);
    await messaging.start(consumes);
    return messaging;
  }
  async function reader(topic: string): Promise<TopicReader> {
    const r = await TopicReader.open(kafka, topic);
    readers.push(r);
    return r;
  }
  const event = (data: Record<string, unknown>) => envelope({ type: 'TestHappened', source: 'test', data });

  it('publishes an outbox event exactly as committed, and never one from a rolled-back transaction', async () => {
    const topic = uniqueName('outbox');
    const messaging = await started([topic]);
    const out = await reader(topic);
    const rolledBack = event({ n: 0 });
    await expect(
      messaging.transactions.run((tx) => {
        tx.publish({ topic, key: 'order-1', aggregateType: 'order', envelope: rolledBack });
        return Promise.reject(new Error('business rule broke'));
      }),
    ).rejects.toThrow('business rule broke');
    const committed = event({ n: 1, nested: { licenses: ['a'] } });
    await messaging.transactions.run((tx) => Promise.resolve(tx.publish({ topic, key: 'order-1', aggregateType: 'order', envelope: committed })));

    const [message] = await out.waitForCount(1);
    expect(JSON.parse(message.value!.toString())).toEqual(committed);
    expect(message.key!.toString()).toBe('order-1');
    expect(headerText(message, 'content-type')).toBe('application/cloudevents+json');
    await messaging.relay.drain();
    expect(out.values<Envelope>().map((e) => e.id)).toEqual([committed.id]);
    const [{ count }] = await bed.dataSource.query('SELECT count(*)::int AS count FROM outbox WHERE id = $1', [rolledBack.id]);
    expect(count).toBe(0);
  });

  it('keeps payloads encrypted at rest in the outbox', async () => {
    const topic = uniqueName('sealed');
    const messaging = await started([topic]);
    const secret = event({ value: 'SECRET-LICENSE-1234' });
    await messaging.transactions.run((tx) => Promise.resolve(tx.publish({ topic, key: 'k', aggregateType: 't', envelope: secret })));
    const [row] = await bed.dataSource.query('SELECT payload FROM outbox WHERE id = $1', [secret.id]);
    expect((row.payload as Buffer).includes(Buffer.from('SECRET-LICENSE-1234'))).toBe(false);
  });

  it('publishes an event id written again once more, whether or not its first copy went out', async () => {
    const topic = uniqueName('republish');
    const messaging = await started([topic]);
    const out = await reader(topic);
    const again = event({ n: 1 });
    const publishAgain = () => messaging.transactions.run((tx) => Promise.resolve(tx.publish({ topic, key: 'k', aggregateType: 't', envelope: again })));
    await publishAgain();
    await out.waitForCount(1);
    await messaging.relay.drain();
    await publishAgain();
    await out.waitForCount(2);
    expect(out.values<Envelope>().map((e) => e.id)).toEqual([again.id, again.id]);
    const [{ count }] = await bed.dataSource.query('SELECT count(*)::int AS count FROM outbox WHERE id = $1 AND published_at IS NULL', [again.id]);
    expect(count).toBe(0);
  });

  it('publishes after restart what a relay killed between commit and publish left behind', async () => {
    const topic = uniqueName('crash');
    await createTopics(kafka, [topic]);
    const child = join(__dirname, '../test/relay-crash.child.ts');
    const result = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', child, bed.db.url, topic, keySpec], {
      cwd: join(__dirname, '../../..'),
    }).catch((error: { signal?: string; stdout?: string }) => error);
    expect(result).toMatchObject({ signal: 'SIGKILL' });
    const eventId = String(result.stdout).trim();
    const [pending] = await bed.dataSource.query('SELECT published_at FROM outbox WHERE id = $1', [eventId]);
    expect(pending.published_at).toBeNull();

    const out = await reader(topic);
    await started([topic]);
    await out.waitForCount(1);
    expect(out.values<Envelope>()[0].id).toBe(eventId);
  });

  it('gives an event delivered twice exactly one effect', async () => {
    const topic = uniqueName('dupes');
    const messaging = await started([], [topic]);
    const once = event({ n: 1 });
    const after = event({ n: 2 });
    await produce(
      kafka,
      topic,
      [once, once, after].map((e) => ({ key: 'same', value: JSON.stringify(e) })),
    );
    await messaging.consume({
      name: 'dupes',
      groupId: uniqueName('g'),
      topics: [topic],
      decode: jsonDecoder,
      handle: async (events, tx) => {
        for (const e of events) await tx.manager.query('INSERT INTO effects (event_id) VALUES ($1)', [e.envelope.id]);
      },
    });
    await waitUntil(async () => (await effectsOf([after.id])) === 1, 20000, 'the later event');
    expect(await effectsOf([once.id])).toBe(1);
  });

  it('sends a poison message to the DLQ with its reason and goes on with the same partition', async () => {
    const topic = uniqueName('poison');
    const messaging = await started([], [topic]);
    const dlq = await reader(`${topic}.dlq`);
    const first = event({ n: 1 });
    const poison = event({ poison: true });
    const flaky = event({ flaky: true });
    const last = event({ n: 4 });
    let flakyFailures = 0;
    await produce(
      kafka,
      topic,
      [JSON.stringify(first), 'this is not json', JSON.stringify(poison), JSON.stringify(flaky), JSON.stringify(last)].map((value) => ({
        key: 'one-partition',
        value,
        headers: { trace: 'x1' },
      })),
    );
    await messaging.consume({
      name: 'poison',
      groupId: uniqueName('g'),
      topics: [topic],
      decode: jsonDecoder,
      handle: async (events, tx) => {
        for (const e of events) {
          if (e.envelope.data['poison']) throw new PermanentFailure('poison cannot be processed');
          if (e.envelope.data['flaky'] && flakyFailures++ < 2) throw new Error('database hiccup');
          await tx.manager.query('INSERT INTO effects (event_id) VALUES ($1)', [e.envelope.id]);
        }
      },
    });
    await waitUntil(async () => (await effectsOf([last.id])) === 1, 30000, 'the message after the poison');
    expect(await effectsOf([first.id, flaky.id, last.id])).toBe(3);
    expect(await effectsOf([poison.id])).toBe(0);

    const letters = await dlq.waitForCount(2);
    const reasons = letters.map((m) => headerText(m, 'dlq-reason'));
    expect(reasons).toEqual([expect.stringContaining('value is not JSON'), expect.stringContaining('poison cannot be processed')]);
    expect(letters[0].value!.toString()).toBe('this is not json');
    expect(letters[1].key!.toString()).toBe('one-partition');
    expect(headerText(letters[1], 'trace')).toBe('x1');
    expect(headerText(letters[1], 'dlq-original-topic')).toBe(topic);
  });

  it('dead-letters an event whose id holds a NUL character instead of retrying it for ever, and goes on with the partition', async () => {
    // In the statement of literals that opens a chunk, a NUL would cut the text short and the
    // server would answer a protocol error, which reads as a broken connection (retried for ever).
    const topic = uniqueName('nul');
    const messaging = await started([], [topic]);
    const dlq = await reader(`${topic}.dlq`);
    const nul = { ...event({ n: 1 }), id: `evil\u0000${uniqueName('id')}` };
    const after = event({ n: 2 });
    await produce(
      kafka,
      topic,
      [nul, after].map((e) => ({ key: 'one-partition', value: JSON.stringify(e) })),
    );
    await messaging.consume({
      name: 'nul',
      groupId: uniqueName('g'),
      topics: [topic],
      decode: jsonDecoder,
      handle: async (events, tx) => {
        for (const e of events) await tx.manager.query('INSERT INTO effects (event_id) VALUES ($1)', [e.envelope.id]);
      },
    });
    await waitUntil(async () => (await effectsOf([after.id])) === 1, 30000, 'the event after the one with a NUL');
    const [letter] = await dlq.waitForCount(1);
    expect(headerText(letter, 'dlq-reason')).toContain('NUL character');
    expect(JSON.parse(letter.value!.toString()).id).toBe(nul.id);
  });

  async function effectsOf(eventIds: string[]): Promise<number> {
    const [{ count }] = await bed.dataSource.query('SELECT count(*)::int AS count FROM effects WHERE event_id = ANY($1)', [eventIds]);
    return count;
  }
});
