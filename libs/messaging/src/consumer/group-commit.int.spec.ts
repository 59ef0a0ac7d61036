// Group commit in the consumer runner (issue 11): chunks of several partitions in one transaction,
// against the real broker and PostgreSQL. What it must not change: a poison message stays its own
// partition's problem, and offsets are committed only for what a committed transaction holds.
import { randomBytes } from 'node:crypto';
import { SecretBox } from '@keypool/platform';
import { TopicReader, headerText, testKafka, uniqueName, waitUntil } from '@keypool/testing';
import { jsonDecoder, messagingTestBed, testMessaging } from '../../test/harness';
import { envelope } from '../envelope';
import { Messaging } from '../messaging';
import type { ConsumerDefinition } from './consumer-runner';
import type { InboundEvent } from './inbound-event';

const kafka = testKafka();
const cipher = SecretBox.fromSpec(`t1:${randomBytes(32).toString('base64')}`);
const PARTITIONS = 3;

describe('group commit across the partitions of one consumer', () => {
  const bed = messagingTestBed('group_commit');
  const { running, readers } = bed;

  async function started(topic: string, retry?: { baseDelayMs: number; maxDelayMs: number }): Promise<Messaging> {
    const messaging = testMessaging(bed.dataSource, cipher, [], undefined, { retry });
    running.push(messaging);
    await messaging.start([topic]);
    return messaging;
  }

  /** `perPartition` events in each partition, produced in one request; returns them by partition. */
  async function produceSpread(topic: string, perPartition: number, data: (p: number, i: number) => Record<string, unknown> = () => ({})) {
    const byPartition = Array.from({ length: PARTITIONS }, (_, p) =>
      Array.from({ length: perPartition }, (_, i) => envelope({ type: 'TestHappened', source: 'test', data: { p, i, ...data(p, i) } })),
    );
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        messages: byPartition.flatMap((events, partition) => events.map((e) => ({ partition, key: `k${partition}`, value: JSON.stringify(e) }))),
      });
    } finally {
      await producer.disconnect();
    }
    return byPartition;
  }

  /** A consumer whose handler records each call's events and is slow enough for chunks to queue behind it. */
  function recording(topic: string, calls: InboundEvent[][], extra: Partial<ConsumerDefinition> = {}): ConsumerDefinition {
    return {
      name: uniqueName('grouped'),
      groupId: uniqueName('g'),
      topics: [topic],
      decode: jsonDecoder,
      maxBatchSize: 2,
      handle: async (events, tx) => {
        calls.push(events);
        await new Promise((resolve) => setTimeout(resolve, 150));
        for (const e of events) {
          if (e.envelope.data['poison']) throw new Error('cannot process this one');
          await tx.manager.query('INSERT INTO effects (event_id, note) VALUES ($1, $2)', [e.envelope.id, `${e.partition}:${e.message.offset}`]);
        }
      },
      ...extra,
    };
  }

  async function effectCounts(ids: string[]): Promise<Map<string, number>> {
    const rows: { event_id: string; n: number }[] = await bed.dataSource.query(
      'SELECT event_id, count(*)::int AS n FROM effects WHERE event_id = ANY($1) GROUP BY event_id',
      [ids],
    );
    return new Map(rows.map((r) => [r.event_id, r.n]));
  }

  const partitionsOf = (events: InboundEvent[]) => new Set(events.map((e) => e.partition));

  it('puts chunks of several partitions into one transaction, each partition in order, each event once', async () => {
    const topic = uniqueName('grouped');
    const messaging = await started(topic);
    const byPartition = await produceSpread(topic, 8);
    const calls: InboundEvent[][] = [];
    await messaging.consume(recording(topic, calls));
    const ids = byPartition.flat().map((e) => e.id);
    await waitUntil(async () => (await effectCounts(ids)).size === ids.length, 30000, 'every event handled');

    expect([...(await effectCounts(ids)).values()].every((n) => n === 1)).toBe(true);
    // Combined: a call with events of several partitions, never more than maxBatchSize × 3 events.
    expect(calls.some((events) => partitionsOf(events).size > 1)).toBe(true);
    expect(Math.max(...calls.map((events) => events.length))).toBeLessThanOrEqual(2 * PARTITIONS);
    // Per partition, the events reach the handler in offset order.
    for (let p = 0; p < PARTITIONS; p++) {
      const seen = calls.flat().filter((e) => e.partition === p);
      expect(seen.map((e) => e.envelope.id)).toEqual(byPartition[p].map((e) => e.id));
    }
  });

  it('keeps a poison message its own partition’s: the others go on at once and nothing of theirs is dead-lettered', async () => {
    const topic = uniqueName('grouped-poison');
    // Slow retries: the poison takes seconds to reach the DLQ; the other partitions must not wait for it.
    const messaging = await started(topic, { baseDelayMs: 1000, maxDelayMs: 1000 });
    const dlq = await TopicReader.open(kafka, `${topic}.dlq`);
    readers.push(dlq);
    const byPartition = await produceSpread(topic, 6);
    // The poison is chosen as it is met: the last event of the first partition's chunk in the
    // first transaction that holds several partitions, so it surely shares one.
    let poison: InboundEvent | undefined;
    const calls: InboundEvent[][] = [];
    const definition = recording(topic, calls);
    await messaging.consume({
      ...definition,
      handle: async (events, tx) => {
        if (!poison && partitionsOf(events).size > 1) poison = events.filter((e) => e.partition === events[0].partition).pop();
        if (poison && events.some((e) => e.envelope.id === poison!.envelope.id)) {
          calls.push(events);
          throw new Error('cannot process this one');
        }
        await definition.handle(events, tx);
      },
    });

    await waitUntil(() => poison !== undefined, 30000, 'a transaction of several partitions');
    const poisoned = byPartition[poison!.partition];
    const others = byPartition.filter((_, p) => p !== poison!.partition).flatMap((events) => events.map((e) => e.id));
    await waitUntil(async () => (await effectCounts(others)).size === others.length, 30000, 'the other partitions’ events');
    expect(dlq.messages).toHaveLength(0);

    const [letter] = await dlq.waitForCount(1, 30000);
    expect(JSON.parse(letter.value!.toString()).id).toBe(poison!.envelope.id);
    expect(headerText(letter, 'dlq-reason')).toContain('cannot process this one');
    const rest = poisoned.filter((e) => e.id !== poison!.envelope.id).map((e) => e.id);
    await waitUntil(async () => (await effectCounts(rest)).size === rest.length, 30000, 'the poisoned partition after the poison');
    expect((await effectCounts([poison!.envelope.id])).size).toBe(0);
    expect([...(await effectCounts([...others, ...rest])).values()].every((n) => n === 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dlq.messages).toHaveLength(1);
  });

  it('commits offsets only for what committed: stopped mid-way, the group resumes and the inbox takes each event once', async () => {
    const topic = uniqueName('grouped-stop');
    const groupId = uniqueName('g');
    const name = uniqueName('grouped');
    const first = await started(topic);
    const byPartition = await produceSpread(topic, 10);
    const calls: InboundEvent[][] = [];
    await first.consume(recording(topic, calls, { groupId, name }));
    await waitUntil(() => calls.length >= 3, 30000, 'a few transactions');
    await first.stop();
    running.splice(running.indexOf(first), 1);

    // Every offset the group committed is covered by a committed transaction.
    const admin = kafka.admin();
    await admin.connect();
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] }).finally(() => admin.disconnect());
    const done: { note: string }[] = await bed.dataSource.query('SELECT note FROM effects WHERE event_id = ANY($1)', [byPartition.flat().map((e) => e.id)]);
    const handled = new Set(done.map((r) => r.note));
    for (const { partition, offset } of partitions) {
      for (let o = 0; o < Number(offset); o++) expect(handled).toContain(`${partition}:${o}`);
    }
    const ids = byPartition.flat().map((e) => e.id);
    expect((await effectCounts(ids)).size).toBeLessThan(ids.length);

    const second = await started(topic);
    const later: InboundEvent[][] = [];
    await second.consume(recording(topic, later, { groupId, name }));
    await waitUntil(async () => (await effectCounts(ids)).size === ids.length, 30000, 'every event after the restart');
    expect([...(await effectCounts(ids)).values()].every((n) => n === 1)).toBe(true);
  });

  it('does not let a chunk waiting on a row lock hold the other partitions', async () => {
    const topic = uniqueName('grouped-locked');
    const gate = uniqueName('gate').replace(/\W/g, '_');
    await bed.dataSource.query(`CREATE TABLE ${gate} (id int PRIMARY KEY)`);
    await bed.dataSource.query(`INSERT INTO ${gate} VALUES (1)`);
    // Held by the test (as an import's or a withdrawal's pool lock would be) until it lets go.
    const holder = bed.dataSource.createQueryRunner();
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT id FROM ${gate} WHERE id = 1 FOR UPDATE`);
    let released = false;
    try {
      const messaging = await started(topic);
      const byPartition = await produceSpread(topic, 6, (p, i) => ({ locked: p === 0 && i === 0 }));
      const calls: InboundEvent[][] = [];
      const definition = recording(topic, calls);
      await messaging.consume({
        ...definition,
        handle: async (events, tx) => {
          if (events.some((e) => e.envelope.data['locked'])) await tx.manager.query(`SELECT id FROM ${gate} WHERE id = 1 FOR UPDATE`);
          await definition.handle(events, tx);
        },
      });
      // Partition 0's chunk waits on the lock; the other partitions' chunks either start their own
      // transaction once the stuck one is overdue, or shared it and were let go when its
      // lock_timeout rolled it back. Both go on to their last event while the lock is held.
      const done = async (p: number) => (await effectCounts(byPartition[p].map((e) => e.id))).size === byPartition[p].length;
      await waitUntil(async () => (await done(1)) && (await done(2)), 30000, 'the partitions not waiting on the lock, to their end');
      expect(await done(0)).toBe(false);
      await holder.query('COMMIT');
      released = true;
      const ids = byPartition.flat().map((e) => e.id);
      await waitUntil(async () => (await effectCounts(ids)).size === ids.length, 30000, 'every event after the lock is let go');
      expect([...(await effectCounts(ids)).values()].every((n) => n === 1)).toBe(true);
    } finally {
      if (!released) await holder.query('ROLLBACK');
      await holder.release();
    }
  });

  it('runs one transaction per chunk when groupCommit is off', async () => {
    const topic = uniqueName('ungrouped');
    const messaging = await started(topic);
    const byPartition = await produceSpread(topic, 4);
    const calls: InboundEvent[][] = [];
    await messaging.consume(recording(topic, calls, { groupCommit: false }));
    const ids = byPartition.flat().map((e) => e.id);
    await waitUntil(async () => (await effectCounts(ids)).size === ids.length, 30000, 'every event handled');
    expect(calls.every((events) => partitionsOf(events).size === 1 && events.length <= 2)).toBe(true);
  });
});
