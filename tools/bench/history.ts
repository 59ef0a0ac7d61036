// Does cost grow with history? The same burst of orders through the same three services, once on
// empty databases and once on databases already holding the rows of `historyOrders` orders
// (inbox, published outbox, orders, lines, licenses, timelines, allocations, sold licenses,
// e-mails), in the same run. The history is cloned set-based (generate_series) from the rows of a
// few real orders the stack has just processed, so every row has the shape the services write.
// Every cloned row is younger than its table's retention: this measures a steady state in which
// the pruner keeps the tables at their retention, not a pruner catching up.
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  SINK_API_KEY,
  ServiceProcess,
  SinkProcess,
  freePort,
  freshDatabase,
  startAllOrNone,
  testKafka,
  testServiceEnv,
  topicsOf,
  uniqueName,
  waitUntil,
  type TestDatabase,
} from '@keypool/testing';
import { BENCH_PARTITIONS } from './bare-e2e';
import { cpuSecondsOf } from './cpu-time';
import { createPool, importLicenses, licenseLines } from './e2e-throughput';
import { Arrivals, REPO_ROOT, orderPaidEvents, perSecond, publish, type OrderPaidEvent } from './load';

export interface HistoryOptions {
  /** Orders of history cloned into the databases before the measured burst (1,000,000 in the bench). */
  historyOrders: number;
  /** Orders of the measured burst, on empty databases and on databases with history. */
  orders: number;
  /** Real orders processed first; their rows are the pattern of the history (default: a tenth of `orders`, 10 to 100). */
  templateOrders?: number;
  /** Pairs of runs, in the order empty, history, history, empty, … so drift over the run cancels out. */
  rounds?: number;
  serviceEnv?: Record<string, string>;
  log?: (line: string) => void;
  /** Both runs of a round at once: for the smoke run, whose figures mean nothing (a measurement runs them one after the other). */
  concurrent?: boolean;
}

export interface HistoryRun {
  historyOrders: number;
  orders: number;
  elapsedMs: number;
  ordersPerSecond: number;
  seedSeconds: number;
  /** Rows per service database and cloned table after seeding (before the burst). */
  rows: Record<string, Record<string, number>>;
  databaseMiB: Record<string, number>;
  /**
   * Where each database's pages came from during the burst: shared-buffer misses per order
   * (pages PostgreSQL had to read in) and the indexes and tables missing most. History makes the
   * indexes larger than the buffers; this names the ones whose pages the burst had to read.
   */
  reads: Record<
    string,
    { blocksReadPerOrder: number; blocksTouchedPerOrder: number; hitRatio: number; topMisses: string[]; hotUpdates: Record<string, string> }
  >;
  /**
   * CPU per order during the burst: each service, and the PostgreSQL backends of its database.
   * Throughput on a shared machine moves with everyone else's load; work per order much less.
   */
  cpuMsPerOrder: Record<string, number>;
}

export interface HistoryResult {
  orders: number;
  historyOrders: number;
  empty: HistoryRun[];
  withHistory: HistoryRun[];
  /** Mean orders/s with history over mean orders/s on empty databases; the target is ≥ 0.9. */
  ratio: number;
}

const SERVICES = ['pool-service', 'order-fulfillment-service', 'notification-service'] as const;
const DATABASES = ['pool', 'fulfillment', 'notification'] as const;
type Db = (typeof DATABASES)[number];

export async function runHistoryBench(options: HistoryOptions): Promise<HistoryResult> {
  const rounds = options.rounds ?? 1;
  const empty: HistoryRun[] = [];
  const withHistory: HistoryRun[] = [];
  const runOne = async (history: number) => {
    const run = await measure({ ...options, historyOrders: history });
    options.log?.(`history ${history}: ${run.ordersPerSecond} orders/s (${run.orders} orders in ${run.elapsedMs} ms; seeded in ${run.seedSeconds} s)`);
    (history === 0 ? empty : withHistory).push(run);
  };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, options.historyOrders] : [options.historyOrders, 0];
    if (options.concurrent) {
      // Each run has its own databases, topics and processes; each cleans up before a failure is reported.
      const settled = await Promise.allSettled(order.map(runOne));
      const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (failed) throw failed.reason;
    } else for (const history of order) await runOne(history);
  }
  const mean = (runs: HistoryRun[]) => runs.reduce((sum, r) => sum + r.ordersPerSecond, 0) / runs.length;
  return {
    orders: options.orders,
    historyOrders: options.historyOrders,
    empty,
    withHistory,
    ratio: Math.round((mean(withHistory) / mean(empty)) * 1000) / 1000,
  };
}

async function measure(options: HistoryOptions): Promise<HistoryRun> {
  const templateOrders = options.templateOrders ?? Math.min(100, Math.max(10, Math.ceil(options.orders / 10)));
  const logDir = join(REPO_ROOT, '.cache/bench/history');
  mkdirSync(logDir, { recursive: true });
  const prefix = uniqueName('hist');
  const dbs = await Promise.all(DATABASES.map((n) => freshDatabase(`hist_${n}`)));
  const sink = await SinkProcess.start(0, SINK_API_KEY, templateOrders + options.orders + 100);
  const stack: ServiceProcess[] = [];
  const clients: Client[] = [];
  const kafka = testKafka('bench-history');
  const topics = topicsOf(testServiceEnv('', prefix));
  let sent: Arrivals | undefined;
  const producer = kafka.producer();
  try {
    stack.push(...(await startServices(options, dbs, prefix, sink.url, logDir)));
    for (const db of dbs) {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      clients.push(client);
    }
    const sql = Object.fromEntries(DATABASES.map((name, i) => [name, clients[i]])) as Record<Db, Client>;
    sent = await Arrivals.open(kafka, topics.emailSent);
    await producer.connect();
    const poolId = await createPool(stack[0].url);
    await importLicenses(stack[0].url, poolId, licenseLines(templateOrders + options.orders));

    const template = ownCustomers(orderPaidEvents(`${prefix}-template`, templateOrders, 'p_bench'));
    await publish(producer, topics.orderPaid, template);
    await sent.waitFor(
      template.map((e) => e.data.orderId),
      300000,
      'EmailSent of the template orders',
    );
    await settled(sql, templateOrders);

    const seedStart = Date.now();
    if (options.historyOrders > 0) await seedHistory(sql, Math.ceil(options.historyOrders / templateOrders), options.log);
    for (const client of clients) await client.query('VACUUM (ANALYZE)');
    // Seeding a million orders leaves gigabytes of dirty pages that the checkpointer would write
    // out during the measured burst (a backlog a steady state does not have): flush them first.
    // Both runs do it, so the empty one pays the same (tiny) flush.
    await clients[0].query('CHECKPOINT');
    const seedSeconds = Math.round((Date.now() - seedStart) / 1000);
    const rows = Object.fromEntries(await Promise.all(DATABASES.map(async (name) => [name, await liveRows(sql[name], name)] as const)));
    const databaseMiB = Object.fromEntries(
      await Promise.all(
        DATABASES.map(
          async (name) => [name, Math.round(Number((await sql[name].query('SELECT pg_database_size(current_database()) AS b')).rows[0].b) / 2 ** 20)] as const,
        ),
      ),
    );

    const burst = ownCustomers(orderPaidEvents(`${prefix}-burst`, options.orders, 'p_bench'));
    for (const client of clients) await client.query('SELECT pg_stat_reset()');
    const cpu = cpuOf(stack, dbs);
    const before = cpu();
    const start = Date.now();
    await publish(producer, topics.orderPaid, burst);
    const last = await sent.waitFor(
      burst.map((e) => e.data.orderId),
      900000,
      'EmailSent',
    );
    const elapsedMs = last - start;
    const after = cpu();
    const cpuMsPerOrder = Object.fromEntries(Object.keys(after).map((k) => [k, Math.round(((after[k] - before[k]) / options.orders) * 100000) / 100]));
    const reads = Object.fromEntries(await Promise.all(DATABASES.map(async (name) => [name, await blockReads(sql[name], options.orders)] as const)));
    return {
      historyOrders: options.historyOrders,
      orders: options.orders,
      elapsedMs,
      ordersPerSecond: perSecond(options.orders, elapsedMs),
      seedSeconds,
      rows,
      databaseMiB,
      reads,
      cpuMsPerOrder,
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await sent?.close().catch(() => undefined);
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await Promise.all(stack.map((s) => s.stop()));
    await sink.stop();
    await Promise.all(dbs.map((db) => db.drop()));
  }
}

/** Each order a customer of its own, as in a shop: an index on the address gets keys all over, not one. */
function ownCustomers(events: OrderPaidEvent[]): OrderPaidEvent[] {
  return events.map((e) => ({
    ...e,
    data: { ...e.data, customer: { ...e.data.customer, email: `c${createHash('md5').update(e.data.orderId).digest('hex').slice(0, 12)}@example.com` } },
  }));
}

async function startServices(options: HistoryOptions, dbs: TestDatabase[], prefix: string, sinkUrl: string, logDir: string): Promise<ServiceProcess[]> {
  const env = (i: number, extra: Record<string, string> = {}) =>
    testServiceEnv(dbs[i].url, prefix, { LOG_LEVEL: 'warn', KAFKA_TOPIC_PARTITIONS: String(BENCH_PARTITIONS), ...options.serviceEnv, ...extra });
  const extras: Record<string, string>[] = [{}, {}, { SENDGRID_API_KEY: SINK_API_KEY, SENDGRID_BASE_URL: sinkUrl }];
  return startAllOrNone(SERVICES.map(async (name, i) => ServiceProcess.start(name, env(i, extras[i]), await freePort(), logDir)));
}

/** The template orders have left every trace they will: fulfilled, e-mails final, outboxes drained. */
async function settled(sql: Record<Db, Client>, orders: number): Promise<void> {
  const count = async (client: Client, query: string) => Number((await client.query(query)).rows[0].n);
  await waitUntil(
    async () =>
      (await count(sql.fulfillment, `SELECT count(*) AS n FROM orders WHERE status = 'fulfilled'`)) === orders &&
      (await count(sql.notification, `SELECT count(*) AS n FROM email_sends WHERE status NOT IN ('sent', 'failed')`)) === 0 &&
      (await Promise.all(DATABASES.map((d) => count(sql[d], 'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')))).every((n) => n === 0),
    120000,
    'the template orders to settle',
  );
}

/**
 * How each table's rows are copied: `U(col)` makes an id unique per copy, `AGE(span)` spreads the
 * copies over `span` back from now (each within its table's retention), `g` is the copy number.
 */
interface CloneSpec {
  table: string;
  set: Record<string, string>;
  where?: string;
  /**
   * Copy with the table's triggers off (session_replication_role = replica: foreign-key checks
   * too), then run this statement instead, once (`pattern` holds the rows copied, $1 the copies):
   * a trigger per row made seeding order_lines the better part of an hour at 1,000,000 orders.
   */
  triggersOff?: string;
}

const U = (column: string) => `t.${column} || ':h' || g`;
const AGE = (span: string) => `now() - interval '${span}' * (g::float8 / copies.n)`;
/**
 * A UUIDv7 as the services make them (libs/platform uuidv7), of the moment `span * g / n` before
 * the seed began (copies.base, one instant for every table, so a license's allocation_id and
 * its allocation's id agree): history's ids sort before the burst's, as they would have been
 * made, instead of being spread over the whole key space as v4 ids are.
 */
const V7 = (column: string, span: string) =>
  `(lpad(to_hex((copies.base - extract(epoch FROM interval '${span}') * 1000 * (g::float8 / copies.n))::bigint), 12, '0')
    || '7' || substr(md5(t.${column}::text || ':h' || g), 1, 3) || '8' || substr(md5(t.${column}::text || ':h' || g), 4, 15))::uuid`;
/** Each history order its own customer: an index on the address sees as many keys as orders. */
const CUSTOMER = `jsonb_set(t.customer, '{email}', to_jsonb('c' || substr(md5(t.order_id || ':h' || g), 1, 12) || '@example.com'))`;

// Last in each database, the outbox over 40 minutes: its retention is an hour, and rows past it
// when the burst starts (a 1,000,000-order seed took 24 minutes) would have the pruner catching
// up during the burst (234,000 of pool's 1,000,000 copies were pruned in the run of 2026-12-01).
const MESSAGING: CloneSpec[] = [
  { table: 'inbox', set: { event_id: U('event_id'), received_at: AGE('13 days') } },
  {
    table: 'outbox',
    set: { id: V7('id', '40 minutes'), aggregate_id: U('aggregate_id'), created_at: AGE('40 minutes'), published_at: AGE('40 minutes') },
    where: 't.published_at IS NOT NULL',
  },
];

const HISTORY: Record<Db, CloneSpec[]> = {
  pool: [
    {
      table: 'allocation',
      set: {
        id: V7('id', '300 days'),
        order_id: U('order_id'),
        event_id: V7('event_id', '300 days'),
        requested_at: AGE('300 days'),
        allocated_at: AGE('300 days'),
      },
    },
    {
      table: 'license',
      set: {
        id: V7('id', '300 days'),
        value_hash: `sha256(t.value_hash || int4send(g))`,
        allocation_id: V7('allocation_id', '300 days'),
        imported_at: AGE('300 days'),
        allocated_at: AGE('300 days'),
      },
      where: `t.status = 'allocated'`,
    },
    ...MESSAGING,
  ],
  fulfillment: [
    {
      table: 'orders',
      set: {
        order_id: U('order_id'),
        order_paid_event_id: U('order_paid_event_id'),
        customer: CUSTOMER,
        paid_at: AGE('300 days'),
        received_at: AGE('300 days'),
        fulfilled_at: AGE('300 days'),
      },
    },
    {
      table: 'order_lines',
      set: { order_id: U('order_id'), status_at: AGE('300 days') },
      // What order_line_counts_track adds per row (the copies' orders are copied too, so the
      // foreign key holds).
      triggersOff: `INSERT INTO order_line_counts (status, slot, lines) SELECT status, 0, count(*) * $1 FROM pattern GROUP BY status
                    ON CONFLICT (status, slot) DO UPDATE SET lines = order_line_counts.lines + EXCLUDED.lines`,
    },
    { table: 'line_licenses', set: { order_id: U('order_id') } },
    { table: 'status_history', set: { order_id: U('order_id'), at: AGE('300 days') } },
    { table: 'email_history', set: { order_id: U('order_id'), at: AGE('300 days') } },
    ...MESSAGING,
  ],
  notification: [
    {
      table: 'email_sends',
      set: { event_id: U('event_id'), order_id: U('order_id'), created_at: AGE('80 days'), next_attempt_at: AGE('80 days'), finished_at: AGE('80 days') },
    },
    { table: 'deliveries', set: { event_id: U('event_id'), order_id: U('order_id'), created_at: AGE('80 days') } },
    ...MESSAGING,
  ],
};

const COPIES_PER_STATEMENT = 500;

/** Clones each table's rows `copies` times, a few hundred copies per statement, databases in parallel. */
async function seedHistory(sql: Record<Db, Client>, copies: number, log?: (line: string) => void): Promise<void> {
  const base = Date.now();
  await Promise.all(
    DATABASES.map(async (db) => {
      for (const spec of HISTORY[db]) {
        const started = Date.now();
        const { rows } = await sql[db].query(
          `SELECT column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name = $1 AND coalesce(column_default, '') NOT LIKE 'nextval(%'
            ORDER BY ordinal_position`,
          [spec.table],
        );
        const columns: string[] = rows.map((r: { column_name: string }) => r.column_name);
        const values = columns.map((c) => spec.set[c] ?? `t.${c}`);
        // The pattern rows are fixed first, so copies never copy copies.
        await sql[db].query(`CREATE TEMP TABLE pattern AS SELECT * FROM ${spec.table} t WHERE ${spec.where ?? 'true'}`);
        if (spec.triggersOff) await sql[db].query('SET session_replication_role = replica');
        for (let from = 1; from <= copies; from += COPIES_PER_STATEMENT) {
          const to = Math.min(copies, from + COPIES_PER_STATEMENT - 1);
          await sql[db].query(
            `INSERT INTO ${spec.table} (${columns.join(', ')})
             SELECT ${values.join(', ')} FROM pattern t, generate_series($1::int, $2::int) g, (SELECT $3::int AS n, $4::bigint AS base) copies`,
            [from, to, copies, base],
          );
        }
        if (spec.triggersOff) {
          await sql[db].query('RESET session_replication_role');
          await sql[db].query(spec.triggersOff, [copies]);
        }
        await sql[db].query('DROP TABLE pattern');
        log?.(`  seeded ${db}.${spec.table} in ${Math.round((Date.now() - started) / 1000)} s`);
      }
    }),
  );
}

async function liveRows(client: Client, db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table } of HISTORY[db]) counts[table] = Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  return counts;
}

/** CPU seconds so far of each service and of the PostgreSQL backends serving its database. */
function cpuOf(stack: ServiceProcess[], dbs: TestDatabase[]): () => Record<string, number> {
  const backends = dbs.map((db) => databaseCpuCounter(db.name));
  return () =>
    Object.fromEntries([
      ...stack.map((s) => [s.name, cpuSecondsOf(s.pid)] as const),
      ...DATABASES.map((name, i) => [`postgres ${name}`, backends[i]()] as const),
    ]);
}

/** Like commandCpuCounter('postgres'), but only backends whose title names the database. */
function databaseCpuCounter(database: string): () => number {
  const last = new Map<number, number>();
  let total = 0;
  return () => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(` ${database} `)) continue;
      } catch {
        continue;
      }
      const pid = Number(entry);
      const seconds = cpuSecondsOf(pid);
      total += Math.max(0, seconds - (last.get(pid) ?? 0));
      last.set(pid, seconds);
    }
    return total;
  };
}

async function blockReads(client: Client, orders: number): Promise<HistoryRun['reads'][string]> {
  // Statistics reach the shared counters up to a second after the transactions that made them.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const db = (await client.query(`SELECT blks_read, blks_hit FROM pg_stat_database WHERE datname = current_database()`)).rows[0];
  const top = await client.query(
    `SELECT name, reads FROM (
       SELECT indexrelname AS name, idx_blks_read AS reads FROM pg_statio_user_indexes
       UNION ALL SELECT relname, heap_blks_read FROM pg_statio_user_tables) r
      WHERE reads > 0 ORDER BY reads DESC LIMIT 8`,
  );
  // Updates during the burst, and how many were HOT (no new index entry; the new version on the
  // row's own page): what a table's fillfactor and the columns its indexes name decide.
  const updates = await client.query(`SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE n_tup_upd > 0 ORDER BY n_tup_upd DESC, relname`);
  const read = Number(db.blks_read);
  const hit = Number(db.blks_hit);
  return {
    blocksReadPerOrder: Math.round((read / orders) * 100) / 100,
    blocksTouchedPerOrder: Math.round(((read + hit) / orders) * 100) / 100,
    hitRatio: Math.round((hit / Math.max(1, hit + read)) * 1000) / 1000,
    topMisses: top.rows.map((r: { name: string; reads: string }) => `${r.name} ${r.reads}`),
    hotUpdates: Object.fromEntries(
      updates.rows.map((r: { relname: string; n_tup_upd: string; n_tup_hot_upd: string }) => [r.relname, `${r.n_tup_hot_upd} of ${r.n_tup_upd}`]),
    ),
  };
}

if (require.main === module) {
  const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
  runHistoryBench({
    historyOrders: number('BENCH_HISTORY_ORDERS', 1_000_000),
    orders: number('BENCH_ORDERS', 10000),
    rounds: number('BENCH_HISTORY_ROUNDS', 1),
    log: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.exit(0);
    },
    (error) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
