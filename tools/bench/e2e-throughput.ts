// keypool end to end: OrderPaid → EmailSent with every part on this machine. A burst measures
// the maximum rate; paced runs at fractions of it measure latency below saturation.
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { SINK_API_KEY, ServiceProcess, SinkProcess, TEST_KEYS, freePort, freshDatabase, testKafka, testServiceEnv, topicsOf, uniqueName, type TestDatabase } from '@keypool/testing';
import { cpuSecondsOf, cpuSecondsOfCommand, sampleCpu, type CpuSample } from './cpu-time';
import { BENCH_PARTITIONS, cpuPerOrder, type ThroughputResult } from './bare-e2e';
import { Arrivals, REPO_ROOT, orderPaidEvents, perSecond, percentiles, publish, type Percentiles } from './load';

export interface E2eOptions {
  orders: number;
  /** Offered loads of the latency sweep, as fractions of the burst's rate. */
  sweep: number[];
  sweepSeconds: number;
  /** Fixed ports 45101-45103 for a full run; OS-assigned for the smoke run. */
  fixedPorts: boolean;
  /** Extra environment of the three services (NODE_OPTIONS for heap settings, profiling). */
  serviceEnv?: Record<string, string>;
  brokerPid?: number;
}

export interface LatencyPoint extends Percentiles {
  fraction: number;
  offeredPerSecond: number;
  orders: number;
}

export interface E2eResult {
  throughput: ThroughputResult;
  import: { lines: number; ms: number; linesPerSecond: number };
  rssMiB: Record<string, number>;
  eventsPerChunk: string[];
  latency: LatencyPoint[];
}

const SERVICES = ['pool-service', 'order-fulfillment-service', 'notification-service'] as const;

export async function runKeypoolE2e(options: E2eOptions): Promise<E2eResult> {
  const logDir = join(REPO_ROOT, '.cache/bench');
  mkdirSync(logDir, { recursive: true });
  const prefix = uniqueName('bench');
  const dbs = await Promise.all(['pool', 'fulfil', 'notif'].map((n) => freshDatabase(`bench_${n}`)));
  const sweepOrders = options.sweep.length * 4000;
  const sink = await SinkProcess.start(0, SINK_API_KEY, options.orders + sweepOrders + 100);
  const stack = await startServices(options, dbs, prefix, sink.url, logDir).catch(async (error) => {
    await sink.stop();
    await Promise.all(dbs.map((db) => db.drop()));
    throw error;
  });
  const [pool, fulfillment, notification] = stack;
  const kafka = testKafka('bench');
  const topics = topicsOf(testServiceEnv('', prefix));
  const sent = await Arrivals.open(kafka, topics.emailSent);
  const producer = kafka.producer();
  await producer.connect();
  try {
    const poolId = await createPool(pool.url);
    const lines = licenseLines(options.orders);
    const importStart = Date.now();
    await importLicenses(pool.url, poolId, lines);
    const importMs = Date.now() - importStart;

    const cpu = (): CpuSample =>
      sampleCpu({
        ...Object.fromEntries(stack.map((s) => [s.name, () => cpuSecondsOf(s.pid)])),
        'sendgrid-sink': () => cpuSecondsOf(sink.pid),
        'kafka broker': () => cpuSecondsOf(options.brokerPid),
        postgresql: () => cpuSecondsOfCommand('postgres'),
        'bench (load + reader)': () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      });
    const before = cpu();
    const start = Date.now();
    const burst = orderPaidEvents(`${prefix}-burst`, options.orders, 'p_bench');
    await publish(producer, topics.orderPaid, burst);
    const last = await sent.waitFor(burst.map((e) => e.data.orderId), 600000, 'EmailSent');
    const after = cpu();
    const elapsedMs = last - start;
    const throughput = { orders: options.orders, elapsedMs, ordersPerSecond: perSecond(options.orders, elapsedMs), cpuMsPerOrder: cpuPerOrder(before, after, options.orders) };
    const metrics = await Promise.all(stack.map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
    const rssMiB = Object.fromEntries(stack.map((s, i) => [s.name, Math.round(Number(/process_resident_memory_bytes (\d+)/.exec(metrics[i])?.[1] ?? 0) / 2 ** 20)]));

    const latency = await sweep(options, throughput.ordersPerSecond, { producer, topic: topics.orderPaid, sent, poolUrl: pool.url, poolId, prefix });
    return {
      throughput,
      import: { lines: options.orders, ms: importMs, linesPerSecond: perSecond(options.orders, importMs) },
      rssMiB,
      eventsPerChunk: metrics.flatMap(chunkSizes),
      latency,
    };
  } finally {
    if (options.serviceEnv?.['BENCH_PROFILE_DIR']) {
      for (const s of stack) if (s.pid) process.kill(s.pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 3000));
    }
    await producer.disconnect();
    await sent.close();
    await Promise.all(stack.map((s) => s.stop()));
    await sink.stop();
    await Promise.all(dbs.map((db) => db.drop()));
  }
}

async function startServices(options: E2eOptions, dbs: TestDatabase[], prefix: string, sinkUrl: string, logDir: string): Promise<ServiceProcess[]> {
  // Each service gets its own encryption keys (testServiceEnv makes fresh ones per call), as in production.
  const env = (i: number, extra: Record<string, string> = {}) =>
    testServiceEnv(dbs[i].url, prefix, { LOG_LEVEL: 'warn', KAFKA_TOPIC_PARTITIONS: String(BENCH_PARTITIONS), ...options.serviceEnv, ...extra });
  const ports = options.fixedPorts ? [45101, 45102, 45103] : await Promise.all(SERVICES.map(() => freePort()));
  const extras: Record<string, string>[] = [{}, {}, { SENDGRID_API_KEY: SINK_API_KEY, SENDGRID_BASE_URL: sinkUrl }];
  const started = await Promise.allSettled(SERVICES.map((name, i) => ServiceProcess.start(name, env(i, extras[i]), ports[i], logDir)));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    throw failed.reason;
  }
  return started.map((s) => (s as PromiseFulfilledResult<ServiceProcess>).value);
}

interface SweepContext {
  producer: Producer;
  topic: string;
  sent: Arrivals;
  poolUrl: string;
  poolId: string;
  prefix: string;
}

/** One paced run per offered load, lowest first, each waiting for all of its e-mails before the next. */
async function sweep(options: E2eOptions, maxRate: number, ctx: SweepContext): Promise<LatencyPoint[]> {
  const points: LatencyPoint[] = [];
  for (const fraction of options.sweep) {
    const offeredPerSecond = Math.max(1, Math.round(maxRate * fraction));
    const count = Math.min(4000, Math.max(20, Math.round(offeredPerSecond * options.sweepSeconds)));
    await importLicenses(ctx.poolUrl, ctx.poolId, licenseLines(count));
    const events = orderPaidEvents(`${ctx.prefix}-at${Math.round(fraction * 100)}`, count, 'p_bench');
    const publishedAt = await publish(ctx.producer, ctx.topic, events, offeredPerSecond);
    await ctx.sent.waitFor(publishedAt.keys(), 600000, `EmailSent at ${Math.round(fraction * 100)} %`);
    const latencies = [...publishedAt].map(([orderId, at]) => ctx.sent.at.get(orderId)! - at);
    points.push({ fraction, offeredPerSecond, orders: count, ...percentiles(latencies) });
  }
  return points;
}

const headers = { authorization: `Bearer ${TEST_KEYS.support}` };

async function createPool(url: string): Promise<string> {
  const created = await fetch(`${url}/v1/pools`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ merchantId: 'm_acme', productId: 'p_bench', threshold: 0 }) });
  if (!created.ok) throw new Error(`creating the bench pool: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { id: string }).id;
}

export function licenseLines(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `BENCH-${i}-${randomBytes(8).toString('hex')}`);
}

export async function importLicenses(url: string, poolId: string, lines: string[]): Promise<void> {
  const response = await fetch(`${url}/v1/pools/${poolId}/licenses`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: lines.join('\n') });
  if (!response.ok) throw new Error(`importing ${lines.length} licenses: ${response.status} ${await response.text()}`);
}

/** "consumer: events/chunks" from a service's /metrics, showing how well batching works under load. */
function chunkSizes(metrics: string): string[] {
  const consumed = new Map([...metrics.matchAll(/^keypool_events_consumed_total\{consumer="([^"]+)"\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  const handled = new Map([...metrics.matchAll(/^keypool_handler_seconds_count\{[^}]*consumer="([^"]+)"[^}]*outcome="ok"[^}]*\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  return [...consumed].filter(([, n]) => n > 0).map(([name, n]) => `${name} ${(n / (handled.get(name) ?? 1)).toFixed(1)}`);
}
