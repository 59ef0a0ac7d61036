// `npm run bench`: OrderPaid → EmailSent throughput and latency with every part on this machine.
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { dataschemaOf, exampleEventData } from '@keypool/contracts';
import { envelope } from '@keypool/messaging';
import { readFileSync } from 'node:fs';
import { CpuSample, cpuSecondsOf, cpuSecondsOfCommand, describeCpu, sampleCpu } from './cpu-time';
import { SINK_API_KEY, ServiceProcess, SinkProcess, TEST_KEYS, TopicReader, freshDatabase, testKafka, testServiceEnv, topicsOf, uniqueName, waitUntil } from '@keypool/testing';

const ORDERS = Number(process.env['BENCH_ORDERS'] ?? 10000);
const RATE = Number(process.env['BENCH_RATE'] ?? 0);
// BENCH_CPU_PROFILE=1 writes a V8 .cpuprofile per service into .cache/bench/profiles (open in Chrome DevTools).
const PROFILE_DIR = process.env['BENCH_CPU_PROFILE'] ? join(__dirname, '../../.cache/bench/profiles') : undefined;
const profiling: Record<string, string> = PROFILE_DIR ? { NODE_OPTIONS: `--require ${join(__dirname, 'cpu-profile.preload.js')}`, BENCH_PROFILE_DIR: PROFILE_DIR } : {};

async function main(): Promise<void> {
  const logDir = join(__dirname, '../../.cache/bench');
  mkdirSync(logDir, { recursive: true });
  const prefix = uniqueName('bench');
  const dbs = await Promise.all(['pool', 'fulfil', 'notif'].map((n) => freshDatabase(`bench_${n}`)));
  // Each service gets its own encryption keys (testServiceEnv makes fresh ones per call), as in production.
  const env = (i: number, extra: Record<string, string> = {}) => testServiceEnv(dbs[i].url, prefix, { LOG_LEVEL: 'warn', KAFKA_TOPIC_PARTITIONS: '6', ...profiling, ...extra });
  const sink = await SinkProcess.start(0, SINK_API_KEY, ORDERS + 100);
  const [pool, fulfillment, notification] = await Promise.all([
    ServiceProcess.start('pool-service', env(0), 45101, logDir),
    ServiceProcess.start('order-fulfillment-service', env(1), 45102, logDir),
    ServiceProcess.start('notification-service', env(2, { SENDGRID_API_KEY: SINK_API_KEY, SENDGRID_BASE_URL: sink.url }), 45103, logDir),
  ]);
  const topics = topicsOf(env(0));
  const headers = { authorization: `Bearer ${TEST_KEYS.support}` };
  const created = await fetch(`${pool.url}/v1/pools`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ merchantId: 'm_acme', productId: 'p_bench', threshold: 0 }) });
  const { id: poolId } = (await created.json()) as { id: string };
  const importStart = Date.now();
  const licenses = Array.from({ length: ORDERS }, (_, i) => `BENCH-${i}-${randomBytes(6).toString('hex')}`).join('\n');
  await fetch(`${pool.url}/v1/pools/${poolId}/licenses`, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: licenses });
  const importMs = Date.now() - importStart;

  const kafka = testKafka();
  const sent = await TopicReader.open(kafka, topics.emailSent);
  const producer = kafka.producer();
  await producer.connect();
  const base = exampleEventData.OrderPaid;
  const events = Array.from({ length: ORDERS }, (_, i) =>
    envelope({ type: 'OrderPaid', source: 'bench', dataschema: dataschemaOf('OrderPaid'), data: { ...base, orderId: `${prefix}-${i}`, items: [{ ...base.items[0], productId: 'p_bench', quantity: 1 }] } }),
  );
  const brokerPid = Number(readFileSync(join(__dirname, '../../.cache/kafka/run-9092/kafka.pid'), 'utf8').trim()) || undefined;
  const cpu = (): CpuSample =>
    sampleCpu({
      'pool-service': () => cpuSecondsOf(pool.pid),
      'order-fulfillment-service': () => cpuSecondsOf(fulfillment.pid),
      'notification-service': () => cpuSecondsOf(notification.pid),
      'sendgrid-sink': () => cpuSecondsOf(sink.pid),
      'kafka broker': () => cpuSecondsOf(brokerPid),
      postgresql: () => cpuSecondsOfCommand('postgres'),
      'bench (checkout + reader)': () => process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    });
  const cpuBefore = cpu();
  const start = Date.now();
  // Unpaced (default): the whole burst at once, which measures throughput. BENCH_RATE=<orders/s>
  // publishes in 100 ms steps at that rate, which measures latency below saturation.
  const step = RATE ? Math.max(1, Math.round(RATE / 10)) : 500;
  const publishedAt = new Map<string, number>();
  for (let i = 0; i < events.length; i += step) {
    const now = Date.now();
    const slice = events.slice(i, i + step);
    slice.forEach((e) => publishedAt.set(e.data.orderId, now));
    await producer.send({ topic: topics.orderPaid, messages: slice.map((e) => ({ key: e.data.orderId, value: JSON.stringify(e) })) });
    if (RATE) await new Promise((r) => setTimeout(r, Math.max(0, start + ((i + step) / RATE) * 1000 - Date.now())));
  }
  const produced = Date.now() - start;
  await waitUntil(() => sent.messages.length >= ORDERS, 600000, `${ORDERS} EmailSent`);
  const elapsed = Date.now() - start;
  const cpuAfter = cpu();
  const chunks = await Promise.all([pool, fulfillment, notification].map(async (s) => chunkSizes(await (await fetch(`${s.url}/metrics`)).text())));
  const rss = await Promise.all([pool, fulfillment, notification].map(async (s) => {
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    return `${s.name} ${(Number(/process_resident_memory_bytes (\d+)/.exec(metrics)?.[1] ?? 0) / 2 ** 20).toFixed(0)} MiB`;
  }));
  console.log(`import: ${ORDERS} licenses in ${importMs} ms (${Math.round((ORDERS / importMs) * 1000)} lines/s)`);
  console.log(`orders: ${ORDERS} OrderPaid published in ${produced} ms (${RATE ? `paced at ${RATE}/s` : 'one burst'})`);
  console.log(`throughput: ${Math.round((ORDERS / elapsed) * 1000)} orders/s from OrderPaid to EmailSent (${elapsed} ms for ${ORDERS})`);
  const latencies = sent.messages
    .map((m) => Number(m.timestamp) - (publishedAt.get((JSON.parse(m.value!.toString()) as { data: { orderId: string } }).data.orderId) ?? NaN))
    .filter((ms) => !Number.isNaN(ms))
    .sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  console.log(`latency OrderPaid published → EmailSent written: p50 ${percentile(50)} ms, p95 ${percentile(95)} ms, p99 ${percentile(99)} ms, max ${latencies[latencies.length - 1]} ms`);
  console.log(`CPU from the first OrderPaid to the last EmailSent (2 cores = ${((2 * elapsed) / 1000).toFixed(1)} s available):\n${describeCpu(cpuBefore, cpuAfter, ORDERS)}`);
  console.log(`events per consumed chunk (one transaction each): ${chunks.flat().join(', ')}`);
  console.log(`memory (RSS after run): ${rss.join(', ')}`);
  if (PROFILE_DIR) {
    for (const s of [pool, fulfillment, notification]) if (s.pid) process.kill(s.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 3000));
    console.log(`CPU profiles: ${PROFILE_DIR}`);
  }
  await producer.disconnect();
  await sent.close();
  await Promise.all([pool, fulfillment, notification].map((s) => s.stop()));
  await sink.stop();
  if (process.env['BENCH_TABLE_STATS']) for (const db of dbs) console.log(db.url, await tableStats(db.url));
  await Promise.all(dbs.map((db) => db.drop()));
}

async function tableStats(url: string): Promise<string> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query(`SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, idx_scan, seq_scan FROM pg_stat_user_tables ORDER BY relname`);
  await client.end();
  return rows.map((r) => JSON.stringify(r)).join('\n');
}

/** "consumer: events/chunks" from a service's /metrics, showing how well batching works under load. */
function chunkSizes(metrics: string): string[] {
  const consumed = new Map([...metrics.matchAll(/^keypool_events_consumed_total\{consumer="([^"]+)"\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  const handled = new Map([...metrics.matchAll(/^keypool_handler_seconds_count\{[^}]*consumer="([^"]+)"[^}]*outcome="ok"[^}]*\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  return [...consumed].filter(([, n]) => n > 0).map(([name, n]) => `${name} ${(n / (handled.get(name) ?? 1)).toFixed(1)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
