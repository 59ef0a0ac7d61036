import { EventEmitter } from 'node:events';
import { KafkaJSNonRetriableError, KafkaJSProtocolError, type Kafka, type Producer } from 'kafkajs';
import pino from 'pino';
import { Metrics } from '@keypool/platform';
import type { Transactions } from '../transactions';
import { consumerMetrics } from './consumer-metrics';
import { ConsumerRunner } from './consumer-runner';

/** Stands in for a kafkajs consumer: the runner's crash decisions need only its events. */
class FakeConsumer extends EventEmitter {
  readonly events = { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' };
  disconnected = false;
  connect = () => Promise.resolve();
  subscribe = () => Promise.resolve();
  run = () => Promise.resolve();
  disconnect = () => {
    this.disconnected = true;
    return Promise.resolve();
  };
  crash(error: Error, restart: boolean) {
    this.emit(this.events.CRASH, { payload: { error, restart } });
  }
}

function setup() {
  const consumers: FakeConsumer[] = [];
  const kafka = {
    consumer: () => {
      const consumer = new FakeConsumer();
      consumers.push(consumer);
      return consumer;
    },
  } as unknown as Kafka;
  const fatal: unknown[] = [];
  const runner = new ConsumerRunner(
    {
      kafka,
      producer: {} as Producer,
      transactions: {} as Transactions,
      logger: pino({ level: 'silent' }),
      retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20, transientMaxDelayMs: 20 },
      metrics: consumerMetrics(new Metrics()),
      dependencyDown: () => Promise.resolve(undefined),
      onFatal: (error) => fatal.push(error),
    },
    { name: 'orders', groupId: 'g', topics: ['t'], decode: () => ({ ok: false, reason: 'unused' }), handle: () => Promise.resolve() },
  );
  return { runner, consumers, fatal };
}

const refused = () => Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError', retriable: true });

describe('ConsumerRunner when its kafkajs consumer crashes', () => {
  it('waits while kafkajs restarts it, and runs again once it rejoins its group', async () => {
    const { runner, consumers, fatal } = setup();
    await runner.start();
    consumers[0].crash(refused(), true);
    expect(runner.state).toBe('waiting');
    expect(runner.waitingOn).toMatch(/^kafka: KafkaJSConnectionError: Connection error: connect ECONNREFUSED/);
    consumers[0].emit(consumers[0].events.GROUP_JOIN);
    expect(runner.state).toBe('running');
    expect(fatal).toEqual([]);
  });

  it('starts a fresh consumer itself when kafkajs gives up on a broker that is away', async () => {
    const { runner, consumers, fatal } = setup();
    await runner.start();
    // What kafkajs' retrier throws when it bails out: the connection error as the cause.
    const cause = refused();
    consumers[0].crash(Object.assign(new KafkaJSNonRetriableError(cause), { cause }), false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(consumers).toHaveLength(2);
    expect(consumers[0].disconnected).toBe(true);
    expect(fatal).toEqual([]);
    await runner.stop();
  });

  it('calls onFatal for an error no retry repairs, and says it crashed', async () => {
    const { runner, consumers, fatal } = setup();
    await runner.start();
    const denied = new KafkaJSProtocolError(Object.assign(new Error('Not authorized to access group: g'), { retriable: false }));
    consumers[0].crash(denied, false);
    expect(fatal).toEqual([denied]);
    expect(runner.state).toBe('crashed');
    expect(consumers).toHaveLength(1);
  });
});
