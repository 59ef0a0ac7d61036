// Runs the bare-hops baseline: its own topics and database, the same orders as keypool's burst.
import { Client } from 'pg';
import { freshDatabase, createTopics, testKafka, uniqueName } from '@keypool/testing';
import { BARE_PROCESSES, BARE_SCHEMA, BARE_TOPICS } from './bare-hops';
import { CpuSample, cpuSecondsOf, commandCpuCounter, sampleCpu } from './cpu-time';
import { Arrivals, orderPaidEvents, perSecond, publish, startScript, stopScript } from './load';

export interface ThroughputResult {
  orders: number;
  elapsedMs: number;
  ordersPerSecond: number;
  /** CPU milliseconds per order, by part, from the first OrderPaid to the last EmailSent. */
  cpuMsPerOrder: Record<string, number>;
}

export const BENCH_PARTITIONS = 6;

export async function runBareE2e(orders: number, brokerPid: number | undefined): Promise<ThroughputResult> {
  const prefix = uniqueName('bench-bare');
  const db = await freshDatabase('bench_bare');
  const kafka = testKafka('bench-bare');
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(BARE_SCHEMA);
  await client.end();
  await createTopics(
    kafka,
    BARE_TOPICS.map((t) => `${prefix}.${t}`),
    BENCH_PARTITIONS,
  );
  const hops = await Promise.all(BARE_PROCESSES.map((group) => startScript('tools/bench/bare-hops.ts', [group.join(','), prefix, db.url])));
  const sent = await Arrivals.open(kafka, `${prefix}.email-sent`);
  const producer = kafka.producer();
  await producer.connect();
  try {
    const events = orderPaidEvents(`${prefix}-o`, orders, 'p_bench');
    const postgresCpu = commandCpuCounter('postgres');
    const cpu = (): CpuSample =>
      sampleCpu({
        'bare hops': () => hops.reduce((sum, h) => sum + cpuSecondsOf(h.pid), 0),
        'kafka broker': () => cpuSecondsOf(brokerPid),
        postgresql: postgresCpu,
      });
    const before = cpu();
    const start = Date.now();
    await publish(producer, `${prefix}.order-paid`, events);
    const last = await sent.waitFor(
      events.map((e) => e.data.orderId),
      600000,
      'bare EmailSent',
    );
    const after = cpu();
    const elapsedMs = last - start;
    return { orders, elapsedMs, ordersPerSecond: perSecond(orders, elapsedMs), cpuMsPerOrder: cpuPerOrder(before, after, orders) };
  } finally {
    await producer.disconnect();
    await sent.close();
    await Promise.all(hops.map(stopScript));
    await db.drop();
  }
}

export function cpuPerOrder(before: CpuSample, after: CpuSample, orders: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(after)) out[name] = round2(((after[name] - (before[name] ?? 0)) / orders) * 1000);
  out['total'] = round2(Object.values(out).reduce((a, b) => a + b, 0));
  return out;
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;
