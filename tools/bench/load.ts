// What every bench part shares: the orders it publishes, how it paces them, how it reads what
// comes out, and how it turns arrival times into figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { defaultTopics, exampleEventData, type EventDataOf } from '@keypool/contracts';
import { contractEvent, type Envelope } from '@keypool/messaging';
import { uniqueName, waitUntil } from '@keypool/testing';

export const REPO_ROOT = join(__dirname, '../..');

export type OrderPaidEvent = Envelope<EventDataOf<'OrderPaid'>>;

/** `count` valid OrderPaid events of one line of one license each, ids `${idPrefix}-<n>`. */
export function orderPaidEvents(idPrefix: string, count: number, productId: string): OrderPaidEvent[] {
  const base = exampleEventData.OrderPaid;
  return Array.from(
    { length: count },
    (_, i) =>
      contractEvent(
        'OrderPaid',
        { ...base, orderId: `${idPrefix}-${i}`, items: [{ ...base.items[0], productId, quantity: 1 }] },
        { producer: 'bench', topics: defaultTopics },
      ).envelope,
  );
}

/**
 * Publishes keyed by orderId. Without a rate, in steps of 500 as fast as the broker takes them
 * (a burst, which measures throughput); with one, in 100 ms steps at that many per second (latency
 * below saturation). Returns when each key was published.
 */
export async function publish(producer: Producer, topic: string, events: { data: { orderId: string } }[], rate = 0): Promise<Map<string, number>> {
  const start = Date.now();
  const step = rate ? Math.max(1, Math.round(rate / 10)) : 500;
  const publishedAt = new Map<string, number>();
  for (let i = 0; i < events.length; i += step) {
    const now = Date.now();
    const slice = events.slice(i, i + step);
    slice.forEach((e) => publishedAt.set(e.data.orderId, now));
    await producer.send({ topic, messages: slice.map((e) => ({ key: e.data.orderId, value: JSON.stringify(e) })) });
    if (rate) await new Promise((r) => setTimeout(r, Math.max(0, start + ((i + step) / rate) * 1000 - Date.now())));
  }
  return publishedAt;
}

/** Reads a topic from now on, keeping each record's orderId and timestamp (the producer's clock, on this machine). */
export class Arrivals {
  readonly at = new Map<string, number>();
  private constructor(private readonly stopReading: () => Promise<void>) {}

  static async open(kafka: Kafka, topic: string): Promise<Arrivals> {
    const consumer = kafka.consumer({ groupId: uniqueName('bench-reader'), sessionTimeout: 10000, maxWaitTimeInMs: 100 });
    const arrivals = new Arrivals(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    await consumer.run({
      // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise; recording arrivals waits for nothing
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) arrivals.record(m);
      },
    });
    await joined;
    return arrivals;
  }

  private record(message: KafkaMessage): void {
    const orderId = (JSON.parse(message.value!.toString()) as { data: { orderId: string } }).data.orderId;
    if (!this.at.has(orderId)) this.at.set(orderId, Number(message.timestamp));
  }

  /** Waits until every key in `expected` has arrived; returns the time of the last one. */
  async waitFor(expected: Iterable<string>, timeoutMs: number, what: string): Promise<number> {
    const keys = [...expected];
    await waitUntil(() => keys.every((k) => this.at.has(k)), timeoutMs, `${keys.length} ${what} (have ${keys.filter((k) => this.at.has(k)).length})`);
    return Math.max(...keys.map((k) => this.at.get(k)!));
  }

  close(): Promise<void> {
    return this.stopReading();
  }
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1] ?? NaN };
}

/** Starts `node -r @swc-node/register <script> ...args` and waits for it to print `ready`. */
export async function startScript(script: string, args: string[], timeoutMs = 90000): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', script, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} was not ready within ${timeoutMs} ms`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    });
  });
  return child;
}

export async function stopScript(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
  await exited;
  clearTimeout(timer);
}

export const perSecond = (count: number, ms: number): number => Math.round((count / Math.max(1, ms)) * 1000);
