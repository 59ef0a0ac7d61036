import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';

/** One PoolLow as the Alerts page shows it: the event's data, and when it was raised. */
export interface PoolLowAlert {
  id: string;
  time: string;
  merchantId: string;
  poolId: string;
  data: Record<string, unknown>;
}

const RETRY_MS = 5000;

/**
 * The PoolLow feed: a consumer of `pool-low` in a group of its own (nothing is committed and
 * the group is deleted on close, so no service's offsets move), starting from the last
 * `kept` records of each partition, keeping the newest `kept` alerts in memory.
 */
export class AlertsFeed {
  private readonly alerts: PoolLowAlert[] = [];
  private readonly seen = new Set<string>();
  private consumer: Consumer | undefined;
  private readonly groupId = `keypool-console-alerts-${randomUUID()}`;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  /** Set once the consumer reads; the page says "connecting" before that. */
  ready = false;
  lastError: string | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly kept: number,
  ) {}

  start(): void {
    this.connect().catch((error: unknown) => {
      this.lastError = error instanceof Error ? error.message : String(error);
      void this.consumer?.disconnect().catch(() => undefined);
      this.consumer = undefined;
      if (!this.stopped) this.retry = setTimeout(() => this.start(), RETRY_MS);
    });
  }

  /** Newest first; a merchant's own only unless `merchantId` is undefined (support). */
  list(merchantId: string | undefined, limit: number): PoolLowAlert[] {
    const out: PoolLowAlert[] = [];
    for (let i = this.alerts.length - 1; i >= 0 && out.length < limit; i--) {
      if (merchantId === undefined || this.alerts[i].merchantId === merchantId) out.push(this.alerts[i]);
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    await consumer.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([this.groupId]))
      .catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    let starts: { partition: number; offset: string }[];
    try {
      if (!(await admin.listTopics()).includes(this.topic)) throw new Error(`topic ${this.topic} does not exist yet (pool-service creates it at start)`);
      starts = (await admin.fetchTopicOffsets(this.topic)).map(({ partition, low, high }) => ({
        partition,
        offset: String(Math.max(Number(low), Number(high) - this.kept)),
      }));
    } finally {
      await admin.disconnect();
    }
    const consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 1000 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    let sought = false;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (sought) return;
      sought = true;
      for (const start of starts) consumer.seek({ topic: this.topic, partition: start.partition, offset: start.offset });
    });
    await consumer.run({
      autoCommit: false,
      // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise; keeping the alert waits for nothing
      eachMessage: async ({ message }) => {
        this.ready = true;
        this.add(message.value);
      },
    });
    this.ready = true;
    this.lastError = undefined;
  }

  private add(value: Buffer | null): void {
    let event: { id?: unknown; type?: unknown; time?: unknown; data?: unknown };
    try {
      event = JSON.parse(value?.toString('utf8') ?? '') as typeof event;
    } catch {
      return;
    }
    if (event.type !== 'PoolLow' || typeof event.id !== 'string' || event.data === null || typeof event.data !== 'object') return;
    if (this.seen.has(event.id)) return;
    const data = event.data as Record<string, unknown>;
    this.alerts.push({
      id: event.id,
      time: typeof event.time === 'string' ? event.time : new Date().toISOString(),
      merchantId: textOf(data['merchantId']),
      poolId: textOf(data['poolId']),
      data,
    });
    this.seen.add(event.id);
    while (this.alerts.length > this.kept) this.seen.delete(this.alerts.shift()!.id);
  }
}

/** The contract's ids are strings; anything else (a malformed record) shows as empty. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
