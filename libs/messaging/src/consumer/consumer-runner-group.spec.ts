// The runner's side of group commit, with a stand-in kafkajs consumer and transactions the test
// ends: a stuck transaction does not hold the other partitions, chunks waiting on a group outcome
// heartbeat, and a chunk whose batch stops being ours while it waits is left out untried.
import { EventEmitter } from 'node:events';
import type { Batch, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import pino from 'pino';
import { Metrics } from '@keypool/platform';
import type { Transactions } from '../transactions';
import { consumerMetrics } from './consumer-metrics';
import { ConsumerRunner, GROUP_LOCK_TIMEOUT_MS, type ConsumerDefinition } from './consumer-runner';
import { GROUP_COMMIT_OVERDUE_MS } from './group-commit';

type EachBatch = (payload: EachBatchPayload) => Promise<void>;

class FakeConsumer extends EventEmitter {
  readonly events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' };
  eachBatch?: EachBatch;
  readonly committed: { partition: number; offset: string }[] = [];
  connect = () => Promise.resolve();
  subscribe = () => Promise.resolve();
  run = ({ eachBatch }: { eachBatch: EachBatch }) => {
    this.eachBatch = eachBatch;
    return Promise.resolve();
  };
  disconnect = () => Promise.resolve();
  commitOffsets = (offsets: { partition: number; offset: string }[]) => {
    this.committed.push(...offsets.map(({ partition, offset }) => ({ partition, offset })));
    return Promise.resolve();
  };
}

/** Transactions whose ends the test decides; each records the event ids it was opened with. */
function gatedTransactions() {
  const opened: { ids: string[]; sql: string; end(ok: boolean): void }[] = [];
  const transactions = {
    runOpening: (opening: { sql(literal: (v: string) => string): string }) =>
      new Promise<void>((resolve, reject) => {
        const sql = opening.sql((v) => `'${v}'`);
        const ids = [...sql.matchAll(/'(ev-[^']+)'/g)].map((m) => m[1]);
        opened.push({ ids, sql, end: (ok) => (ok ? resolve() : reject(new Error('rolled back'))) });
      }),
  } as unknown as Transactions;
  return { opened, transactions };
}

function message(id: string, offset: number): KafkaMessage {
  return { offset: String(offset), value: Buffer.from(JSON.stringify({ specversion: '1.0', id })) } as unknown as KafkaMessage;
}

/** One partition's batch as kafkajs hands it to eachBatch, with what the test may change about it. */
function batchOf(partition: number, ids: string[]) {
  const state = { stale: false, heartbeats: 0, heartbeatError: undefined as Error | undefined };
  const payload = {
    batch: { topic: 't', partition, messages: ids.map((id, i) => message(id, i)) } as unknown as Batch,
    resolveOffset: () => undefined,
    heartbeat: () => {
      state.heartbeats++;
      return state.heartbeatError ? Promise.reject(state.heartbeatError) : Promise.resolve();
    },
    isRunning: () => true,
    isStale: () => state.stale,
  } as unknown as EachBatchPayload;
  return { state, payload };
}

async function setup(extra: Partial<ConsumerDefinition> = {}) {
  const consumer = new FakeConsumer();
  const { opened, transactions } = gatedTransactions();
  const runner = new ConsumerRunner(
    {
      kafka: { consumer: () => consumer } as unknown as Kafka,
      producer: {} as Producer,
      transactions,
      logger: pino({ level: 'silent' }),
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20, transientMaxDelayMs: 20 },
      metrics: consumerMetrics(new Metrics()),
      dependencyDown: () => Promise.resolve(undefined),
      onFatal: () => undefined,
    },
    {
      name: 'grouped',
      groupId: 'g',
      topics: ['t'],
      decode: (_topic, value) => ({ ok: true, envelope: JSON.parse(value!.toString()) }),
      handle: () => Promise.resolve(),
      partitionsConsumedConcurrently: 3,
      ...extra,
    },
  );
  await runner.start();
  /** Runs a batch; the promise says how its eachBatch ended ('done' or the error). */
  const run = (partition: number, ids: string[]) => {
    const { state, payload } = batchOf(partition, ids);
    const ended = consumer.eachBatch!(payload).then(
      () => 'done' as const,
      (error: unknown) => error,
    );
    return { state, ended };
  };
  return { runner, consumer, opened, run };
}

/** Whether `promise` settled by now. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise, Promise.resolve(pending)])) !== pending;
}

describe('ConsumerRunner with group commit', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  it('does not let a stuck transaction stop another partition’s chunk from committing', async () => {
    const { opened, consumer, run } = await setup();
    const stuck = run(0, ['ev-a1']);
    await jest.advanceTimersByTimeAsync(0);
    const other = run(1, ['ev-b1']);
    await jest.advanceTimersByTimeAsync(GROUP_COMMIT_OVERDUE_MS - 50);
    expect(opened.map((t) => t.ids)).toEqual([['ev-a1']]);
    await jest.advanceTimersByTimeAsync(100);
    expect(opened.map((t) => t.ids)).toEqual([['ev-a1'], ['ev-b1']]);
    opened[1].end(true);
    expect(await other.ended).toBe('done');
    expect(consumer.committed).toEqual([{ partition: 1, offset: '1' }]);
    expect(await settled(stuck.ended)).toBe(false);
    opened[0].end(true);
    expect(await stuck.ended).toBe('done');
    expect(consumer.committed).toEqual([
      { partition: 1, offset: '1' },
      { partition: 0, offset: '1' },
    ]);
  });

  it('bounds the lock waits of a transaction of several chunks, and only of those', async () => {
    const { opened, consumer, run } = await setup();
    const first = run(0, ['ev-a1']);
    await jest.advanceTimersByTimeAsync(0);
    const b = run(1, ['ev-b1']);
    const c = run(2, ['ev-c1']);
    await jest.advanceTimersByTimeAsync(10);
    opened[0].end(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(opened.map((t) => t.ids)).toEqual([['ev-a1'], ['ev-b1', 'ev-c1']]);
    expect(opened[0].sql).not.toMatch(/lock_timeout/);
    expect(opened[1].sql).toMatch(new RegExp(`^SET LOCAL lock_timeout = ${GROUP_LOCK_TIMEOUT_MS}; INSERT INTO inbox`));
    // It timed out on a lock: each chunk goes alone, without the bound.
    opened[1].end(false);
    await jest.advanceTimersByTimeAsync(0);
    expect(opened.slice(2).map((t) => [t.ids, /lock_timeout/.test(t.sql)])).toEqual([
      [['ev-b1'], false],
      [['ev-c1'], false],
    ]);
    opened[2].end(true);
    opened[3].end(true);
    expect([await first.ended, await b.ended, await c.ended]).toEqual(['done', 'done', 'done']);
    expect(consumer.committed).toHaveLength(3);
  });

  it('heartbeats every 2.5 s while a chunk’s shared transaction runs', async () => {
    const { opened, consumer, run } = await setup();
    const slow = run(0, ['ev-a1']);
    await jest.advanceTimersByTimeAsync(6000);
    expect(slow.state.heartbeats).toBe(2);
    opened[0].end(true);
    expect(await slow.ended).toBe('done');
    expect(consumer.committed).toEqual([{ partition: 0, offset: '1' }]);
  });

  it('heartbeats while a chunk waits for its turn, and leaves it out untried once its batch is stale', async () => {
    // One transaction at a time, so the second partition's chunk waits behind the first.
    const { opened, consumer, run } = await setup({ partitionsConsumedConcurrently: 1 });
    const first = run(0, ['ev-a1']);
    await jest.advanceTimersByTimeAsync(0);
    const waiting = run(1, ['ev-b1']);
    await jest.advanceTimersByTimeAsync(2600);
    expect(waiting.state.heartbeats).toBe(1);
    waiting.state.stale = true;
    await jest.advanceTimersByTimeAsync(2500);
    expect(await waiting.ended).toBe('done');
    opened[0].end(true);
    expect(await first.ended).toBe('done');
    await jest.advanceTimersByTimeAsync(GROUP_COMMIT_OVERDUE_MS * 2);
    expect(opened.map((t) => t.ids)).toEqual([['ev-a1']]);
    expect(consumer.committed).toEqual([{ partition: 0, offset: '1' }]);
  });

  it('gives a waiting chunk up untried when a heartbeat says the group moved on', async () => {
    const { opened, consumer, run } = await setup({ partitionsConsumedConcurrently: 1 });
    const first = run(0, ['ev-a1']);
    await jest.advanceTimersByTimeAsync(0);
    const waiting = run(1, ['ev-b1']);
    const rebalance = Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    waiting.state.heartbeatError = rebalance;
    await jest.advanceTimersByTimeAsync(2600);
    expect(await waiting.ended).toBe(rebalance);
    opened[0].end(true);
    expect(await first.ended).toBe('done');
    expect(opened).toHaveLength(1);
    expect(consumer.committed).toEqual([{ partition: 0, offset: '1' }]);
  });

  it('lets a chunk already in a transaction see it end, then reports the group change without committing offsets', async () => {
    const { opened, consumer, run } = await setup();
    const inFlight = run(0, ['ev-a1']);
    const rebalance = Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    inFlight.state.heartbeatError = rebalance;
    await jest.advanceTimersByTimeAsync(2600);
    expect(await settled(inFlight.ended)).toBe(false);
    opened[0].end(true);
    expect(await inFlight.ended).toBe(rebalance);
    expect(consumer.committed).toEqual([]);
  });

  it('lets a waiting chunk go at once when the consumer stops', async () => {
    const { opened, runner, run } = await setup({ partitionsConsumedConcurrently: 1 });
    const first = run(0, ['ev-a1']);
    await jest.advanceTimersByTimeAsync(0);
    const waiting = run(1, ['ev-b1']);
    await jest.advanceTimersByTimeAsync(100);
    await runner.stop();
    await jest.advanceTimersByTimeAsync(0);
    expect(await settled(waiting.ended)).toBe(true);
    expect(await waiting.ended).toBe('done');
    opened[0].end(true);
    expect(await first.ended).toBe('done');
    expect(opened).toHaveLength(1);
  });

  it('runs one transaction per chunk, partitions side by side, when groupCommit is false', async () => {
    const { opened, run } = await setup({ groupCommit: false });
    const a = run(0, ['ev-a1']);
    const b = run(1, ['ev-b1']);
    await jest.advanceTimersByTimeAsync(0);
    expect(opened.map((t) => t.ids)).toEqual([['ev-a1'], ['ev-b1']]);
    opened[1].end(true);
    opened[0].end(true);
    expect([await a.ended, await b.ended]).toEqual(['done', 'done']);
  });
});
