// keypool end to end: OrderPaid → EmailSent with every part on this machine. A burst measures
// the maximum rate; paced runs at fractions of it measure latency below saturation.
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import {
  SINK_API_KEY,
  ServiceProcess,
  SinkProcess,
  TEST_KEYS,
  freePort,
  freshDatabase,
  startAllOrNone,
  testKafka,
  testServiceEnv,
  topicsOf,
  uniqueName,
  type TestDatabase,
} from '@keypool/testing';
import { cpuSecondsOf, commandCpuCounter, sampleCpu, type CpuSample } from './cpu-time';
import { BENCH_PARTITIONS, cpuPerOrder, round2, type ThroughputResult } from './bare-e2e';
import { Arrivals, REPO_ROOT, orderPaidEvents, perSecond, percentiles, publish, type Percentiles } from './load';

export interface E2eOptions {
  orders: number;
  /** Offered loads of the latency sweep, as fractions of the burst's rate. */
  sweep: number[];
  sweepSeconds: number;
  /** The services compiled (dist/, as deployed) or from source (swc, the smoke run). */
  from: 'source' | 'build';
  /** Extra environment of the three services (NODE_OPTIONS for heap settings, profiling). */
  serviceEnv?: Record<string, string>;
  brokerPid?: number;
}

export interface LatencyPoint extends Percentiles {
  fraction: number;
  offeredPerSecond: number;
  orders: number;
  /** Median time of each hop: OrderPaid → AllocationRequested → LicenseAllocated → EmailSent. */
  hopP50: { intake: number; allocation: number; email: number };
  /** Mean time of one consumer chunk's transaction, by consumer, and events per chunk, during this point. */
  chunks: Record<string, { meanMs: number; events: number }>;
  /**
   * CPU per order by part while this point ran (from its first OrderPaid to its last EmailSent),
   * and the cores that kept busy: how the fixed cost of each small batch (round trips, requests,
   * wake-ups) grows per order as the load falls, and whether the machine was saturated.
   */
  cpuMsPerOrder: Record<string, number>;
  coresBusy: number;
}

export interface E2eResult {
  throughput: ThroughputResult;
  import: { lines: number; ms: number; linesPerSecond: number };
  rssMiB: Record<string, number>;
  /** What the resident set holds after the burst: V8 heap reserved and used, and memory outside it (buffers). */
  heapMiB: Record<string, { total: number; used: number; external: number }>;
  eventsPerChunk: string[];
  latency: LatencyPoint[];
}

/**
 * The services as deployed: production's outbox sweep (testServiceEnv's 200 ms suits tests that
 * wait on the sweep, and costs an idle transaction five times a second per service).
 */
export const BENCH_SERVICE_SETTINGS = { LOG_LEVEL: 'warn', KAFKA_TOPIC_PARTITIONS: String(BENCH_PARTITIONS), OUTBOX_SWEEP_MS: '1000' };

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
  const [pool] = stack;
  const kafka = testKafka('bench');
  const topics = topicsOf(testServiceEnv('', prefix));
  const [sent, requested, allocated] = await Promise.all(
    [topics.emailSent, topics.allocationRequested, topics.licenseAllocated].map((t) => Arrivals.open(kafka, t)),
  );
  const producer = kafka.producer();
  await producer.connect();
  try {
    const poolId = await createPool(pool.url);
    const lines = licenseLines(options.orders);
    const importStart = Date.now();
    await importLicenses(pool.url, poolId, lines);
    const importMs = Date.now() - importStart;

    const postgresCpu = commandCpuCounter('postgres');
    const cpu = (): CpuSample =>
      sampleCpu({
        ...Object.fromEntries(stack.map((s) => [s.name, () => cpuSecondsOf(s.pid)])),
        'sendgrid-sink': () => cpuSecondsOf(sink.pid),
        'kafka broker': () => cpuSecondsOf(options.brokerPid),
        postgresql: postgresCpu,
        'bench (load + reader)': () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      });
    const before = cpu();
    const start = Date.now();
    const burst = orderPaidEvents(`${prefix}-burst`, options.orders, 'p_bench');
    await publish(producer, topics.orderPaid, burst);
    const last = await sent.waitFor(
      burst.map((e) => e.data.orderId),
      600000,
      'EmailSent',
    );
    const after = cpu();
    const elapsedMs = last - start;
    const throughput = {
      orders: options.orders,
      elapsedMs,
      ordersPerSecond: perSecond(options.orders, elapsedMs),
      cpuMsPerOrder: cpuPerOrder(before, after, options.orders),
    };
    const metrics = await Promise.all(stack.map(async (s) => (await fetch(`${s.url}/metrics`)).text()));
    const mib = (text: string, metric: string) => Math.round(Number(new RegExp(`^${metric} (\\d+)`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20);
    const rssMiB = Object.fromEntries(stack.map((s, i) => [s.name, mib(metrics[i], 'process_resident_memory_bytes')]));
    const heapMiB = Object.fromEntries(
      stack.map((s, i) => [
        s.name,
        {
          total: mib(metrics[i], 'nodejs_heap_size_total_bytes'),
          used: mib(metrics[i], 'nodejs_heap_size_used_bytes'),
          external: mib(metrics[i], 'nodejs_external_memory_bytes'),
        },
      ]),
    );

    const latency = await sweep(options, throughput.ordersPerSecond, {
      cpu,
      stack,
      producer,
      topic: topics.orderPaid,
      sent,
      requested,
      allocated,
      poolUrl: pool.url,
      poolId,
      prefix,
    });
    return {
      throughput,
      import: { lines: options.orders, ms: importMs, linesPerSecond: perSecond(options.orders, importMs) },
      rssMiB,
      heapMiB,
      eventsPerChunk: metrics.flatMap(chunkSizes),
      latency,
    };
  } finally {
    if (options.serviceEnv?.['BENCH_PROFILE_DIR']) {
      for (const s of stack) if (s.pid) process.kill(s.pid, 'SIGUSR2');
      await new Promise((r) => setTimeout(r, 3000));
    }
    await producer.disconnect();
    await Promise.all([sent, requested, allocated].map((a) => a.close()));
    await Promise.all(stack.map((s) => s.stop()));
    await sink.stop();
    await Promise.all(dbs.map((db) => db.drop()));
  }
}

async function startServices(options: E2eOptions, dbs: TestDatabase[], prefix: string, sinkUrl: string, logDir: string): Promise<ServiceProcess[]> {
  // Each service gets its own encryption keys (testServiceEnv makes fresh ones per call), as in production.
  const env = (i: number, extra: Record<string, string> = {}) =>
    testServiceEnv(dbs[i].url, prefix, { ...BENCH_SERVICE_SETTINGS, ...options.serviceEnv, ...extra });
  // Ports the OS hands out as free: fixed ones (45101-45103 once) sit in the ephemeral range,
  // where an outgoing connection may already hold one (EADDRINUSE in a full run).
  const ports = await Promise.all(SERVICES.map(() => freePort()));
  const extras: Record<string, string>[] = [{}, {}, { SENDGRID_API_KEY: SINK_API_KEY, SENDGRID_BASE_URL: sinkUrl }];
  return startAllOrNone(SERVICES.map((name, i) => ServiceProcess.start(name, env(i, extras[i]), ports[i], logDir, options.from)));
}

interface SweepContext {
  cpu: () => CpuSample;
  stack: ServiceProcess[];
  producer: Producer;
  topic: string;
  sent: Arrivals;
  requested: Arrivals;
  allocated: Arrivals;
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
    const chunksBefore = await chunkStats(ctx.stack);
    const cpuBefore = ctx.cpu();
    const start = Date.now();
    const publishedAt = await publish(ctx.producer, ctx.topic, events, offeredPerSecond);
    const last = await ctx.sent.waitFor(publishedAt.keys(), 600000, `EmailSent at ${Math.round(fraction * 100)} %`);
    const cpuAfter = ctx.cpu();
    const cpuMsPerOrder = cpuPerOrder(cpuBefore, cpuAfter, count);
    const coresBusy = round2((cpuMsPerOrder['total'] * count) / Math.max(1, last - start));
    const chunksAfter = await chunkStats(ctx.stack);
    const chunks = Object.fromEntries(
      Object.entries(chunksAfter)
        .map(
          ([name, a]) =>
            [
              name,
              {
                count: a.count - (chunksBefore[name]?.count ?? 0),
                sum: a.sum - (chunksBefore[name]?.sum ?? 0),
                events: a.events - (chunksBefore[name]?.events ?? 0),
              },
            ] as const,
        )
        .filter(([, d]) => d.count > 0)
        .map(([name, d]) => [name, { meanMs: Math.round((d.sum / d.count) * 1000), events: Math.round((d.events / d.count) * 10) / 10 }]),
    );
    const latencies = [...publishedAt].map(([orderId, at]) => ctx.sent.at.get(orderId)! - at);
    const hop = (from: (id: string) => number | undefined, to: Arrivals) =>
      percentiles([...publishedAt.keys()].map((id) => (to.at.get(id) ?? NaN) - (from(id) ?? NaN)).filter((ms) => !Number.isNaN(ms))).p50;
    const hopP50 = {
      intake: hop((id) => publishedAt.get(id), ctx.requested),
      allocation: hop((id) => ctx.requested.at.get(id), ctx.allocated),
      email: hop((id) => ctx.allocated.at.get(id), ctx.sent),
    };
    points.push({ fraction, offeredPerSecond, orders: count, ...percentiles(latencies), hopP50, chunks, cpuMsPerOrder, coresBusy });
  }
  return points;
}

const headers = { authorization: `Bearer ${TEST_KEYS.support}` };

/** The bench's one pool (merchant m_acme, product p_bench, no alert threshold), created by support. */
export async function createPool(url: string): Promise<string> {
  const created = await fetch(`${url}/v1/pools`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ merchantId: 'm_acme', productId: 'p_bench', threshold: 0 }),
  });
  if (!created.ok) throw new Error(`creating the bench pool: ${created.status} ${await created.text()}`);
  return ((await created.json()) as { id: string }).id;
}

export function licenseLines(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `BENCH-${i}-${randomBytes(8).toString('hex')}`);
}

export async function importLicenses(url: string, poolId: string, lines: string[]): Promise<void> {
  const response = await fetch(`${url}/v1/pools/${poolId}/licenses`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'text/plain' },
    body: lines.join('\n'),
  });
  if (!response.ok) throw new Error(`importing ${lines.length} licenses: ${response.status} ${await response.text()}`);
}

/** Per consumer: chunks handled, seconds spent in their transactions, events consumed (cumulative). */
async function chunkStats(stack: ServiceProcess[]): Promise<Record<string, { count: number; sum: number; events: number }>> {
  const out: Record<string, { count: number; sum: number; events: number }> = {};
  for (const s of stack) {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    const pick = (metric: string) =>
      new Map(
        [...text.matchAll(new RegExp(`^${metric}\\{[^}]*consumer="([^"]+)"[^}]*outcome="ok"[^}]*\\} ([\\d.e+-]+)`, 'gm'))].map((m) => [m[1], Number(m[2])]),
      );
    const sums = pick('keypool_handler_seconds_sum');
    const counts = pick('keypool_handler_seconds_count');
    const events = new Map([...text.matchAll(/^keypool_events_consumed_total\{consumer="([^"]+)"\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
    for (const [name, count] of counts) out[name] = { count, sum: sums.get(name) ?? 0, events: events.get(name) ?? 0 };
  }
  return out;
}

/** "consumer: events/chunks" from a service's /metrics, showing how well batching works under load. */
function chunkSizes(metrics: string): string[] {
  const consumed = new Map([...metrics.matchAll(/^keypool_events_consumed_total\{consumer="([^"]+)"\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  const handled = new Map(
    [...metrics.matchAll(/^keypool_handler_seconds_count\{[^}]*consumer="([^"]+)"[^}]*outcome="ok"[^}]*\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]),
  );
  return [...consumed].filter(([, n]) => n > 0).map(([name, n]) => `${name} ${(n / (handled.get(name) ?? 1)).toFixed(1)}`);
}
