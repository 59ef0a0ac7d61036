import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { Client } from 'pg';
import { Metrics } from '@keypool/platform';
import { TcpProxy, TestDatabase, freshDatabase, testLogger } from '@keypool/testing';
import { addInboxAgeIndex, addOutboxParking, createMessagingTables } from '../migrations';
import { claimFirstDeliveries } from '../inbox/inbox';
import { RetentionPruner, RetentionPrunerOptions } from './retention-pruner';
import { DAY_MS, HOUR_MS } from './retention-settings';
import type { RetentionTable } from './retention-table';

class RetentionSchema1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await createMessagingTables(queryRunner);
    await addOutboxParking(queryRunner);
    await addInboxAgeIndex(queryRunner);
    // Append-only history with a serial key, as status_history or deliveries; `done` stands for a final status.
    await queryRunner.query(`CREATE TABLE history (seq bigserial PRIMARY KEY, at timestamptz NOT NULL, done boolean NOT NULL DEFAULT true)`);
    // Counts the rows each DELETE statement removed, to see the batches from inside the database.
    await queryRunner.query(`CREATE TABLE deletes (tbl text NOT NULL, n bigint NOT NULL)`);
    await queryRunner.query(`
      CREATE FUNCTION count_deletes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO deletes SELECT TG_TABLE_NAME, count(*) FROM gone; RETURN NULL; END $$`);
    for (const table of ['inbox', 'outbox', 'history']) {
      await queryRunner.query(
        `CREATE TRIGGER ${table}_deletes AFTER DELETE ON ${table} REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION count_deletes()`,
      );
    }
  }
  async down(): Promise<void> {
    /* dropped with its database */
  }
}

const TABLES: RetentionTable[] = [
  { table: 'inbox', timeColumn: 'received_at', retentionMs: 14 * DAY_MS, find: { by: 'index' } },
  { table: 'outbox', timeColumn: 'published_at', retentionMs: HOUR_MS, find: { by: 'index' } },
  { table: 'history', timeColumn: 'at', retentionMs: 30 * DAY_MS, find: { by: 'key', key: 'seq' }, also: 'done' },
];
const LOCK_ID = 7_300_001;

describe('RetentionPruner (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let other: Client;

  beforeAll(async () => {
    db = await freshDatabase('retention');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: [RetentionSchema1700000000000], migrationsRun: true, poolSize: 4 });
    await dataSource.initialize();
    other = new Client({ connectionString: db.url });
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
    await dataSource?.destroy();
    await db?.drop();
  });

  beforeEach(async () => {
    await dataSource.query('TRUNCATE inbox, outbox, history, deletes');
  });

  function pruner(options: Partial<RetentionPrunerOptions> = {}, metrics = new Metrics(), source = dataSource): RetentionPruner {
    return new RetentionPruner(source, testLogger(), metrics, { tables: TABLES, intervalMs: 60000, batchSize: 1000, pauseMs: 0, lockId: LOCK_ID, ...options });
  }

  async function seedInbox(consumer: string, count: number, age: string, prefix: string): Promise<void> {
    await dataSource.query(
      `INSERT INTO inbox (consumer, event_id, received_at)
       SELECT $1, $2 || g, now() - $3::interval FROM generate_series(1, $4) g`,
      [consumer, prefix, age, count],
    );
  }

  async function seedOutbox(count: number, published: string | null, parked = false): Promise<void> {
    await dataSource.query(
      `INSERT INTO outbox (id, aggregate_type, aggregate_id, type, topic, payload, created_at, published_at, parked_at)
       SELECT gen_random_uuid(), 'order', 'o' || g, 'T', 't', '\\x00', now() - interval '3 days',
              now() - $2::interval, CASE WHEN $3 THEN now() END
         FROM generate_series(1, $1) g`,
      [count, published, parked],
    );
  }

  const count = async (sql: string): Promise<number> => Number((await dataSource.query(sql))[0].n);

  it('deletes what is older than its retention and keeps young, unpublished and parked rows', async () => {
    await seedInbox('c', 2500, '20 days', 'old-');
    await seedInbox('c', 300, '1 day', 'young-');
    await seedOutbox(1200, '2 hours');
    await seedOutbox(40, '10 minutes');
    await seedOutbox(30, null);
    await seedOutbox(5, null, true);
    const metrics = new Metrics();

    const run = await pruner({}, metrics).runOnce();

    expect(run).toMatchObject({ ran: true, pruned: { inbox: 2500, outbox: 1200, history: 0 }, skipped: {} });
    expect(await count(`SELECT count(*) AS n FROM inbox WHERE event_id LIKE 'old-%'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM inbox WHERE event_id LIKE 'young-%'`)).toBe(300);
    expect(await count(`SELECT count(*) AS n FROM outbox WHERE published_at IS NOT NULL`)).toBe(40);
    expect(await count(`SELECT count(*) AS n FROM outbox WHERE published_at IS NULL AND parked_at IS NULL`)).toBe(30);
    expect(await count(`SELECT count(*) AS n FROM outbox WHERE parked_at IS NOT NULL`)).toBe(5);
    const scrape = await metrics.registry.metrics();
    expect(scrape).toContain('keypool_pruned_rows_total{table="inbox"} 2500');
    expect(scrape).toContain('keypool_pruned_rows_total{table="outbox"} 1200');
    expect(scrape).toMatch(/keypool_prune_last_success_timestamp_seconds\{table="history"\} \d+/);
  });

  it('deletes at most batchSize rows per statement', async () => {
    await seedInbox('c', 1050, '20 days', 'old-');
    await dataSource.query(`INSERT INTO history (at) SELECT now() - interval '40 days' FROM generate_series(1, 730)`);

    const run = await pruner({ batchSize: 200, pauseMs: 5 }).runOnce();

    expect(run.pruned).toMatchObject({ inbox: 1050, history: 730 });
    const batches: { tbl: string; n: string }[] = await dataSource.query(`SELECT tbl, n FROM deletes WHERE n > 0`);
    for (const table of ['inbox', 'history']) {
      const sizes = batches.filter((b) => b.tbl === table).map((b) => Number(b.n));
      expect(Math.max(...sizes)).toBeLessThanOrEqual(200);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(table === 'inbox' ? 1050 : 730);
    }
  });

  it('walks serial history from its oldest end: keeps rows that do not meet the condition or are young, also among old ones', async () => {
    await dataSource.query(`INSERT INTO history (at, done) SELECT now() - interval '40 days', g % 10 <> 0 FROM generate_series(1, 500) g`);
    await dataSource.query(
      `INSERT INTO history (at) SELECT now() - CASE WHEN g % 2 = 0 THEN interval '1 day' ELSE interval '40 days' END FROM generate_series(1, 100) g`,
    );
    await dataSource.query(`INSERT INTO history (at) SELECT now() - interval '1 day' FROM generate_series(1, 50)`);

    const run = await pruner({ batchSize: 64 }).runOnce();

    expect(run.pruned['history']).toBe(500);
    expect(await count(`SELECT count(*) AS n FROM history WHERE NOT done`)).toBe(50);
    expect(await count(`SELECT count(*) AS n FROM history WHERE at > now() - interval '2 days'`)).toBe(100);
    const batches: { n: string }[] = await dataSource.query(`SELECT n FROM deletes WHERE tbl = 'history'`);
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(650 / 64));
  });

  it('leaves inbox rows younger than the retention, so a redelivery of their events is still recognised', async () => {
    await seedInbox('orders', 10, '20 days', 'old-');
    await seedInbox('orders', 10, '13 days', 'recent-');
    await pruner().runOnce();

    const first = await dataSource.transaction((manager) => claimFirstDeliveries(manager, 'orders', ['recent-3', 'recent-7', 'new-1']));

    expect([...first]).toEqual(['new-1']);
  });

  it('skips a row a hot-path transaction holds instead of waiting for it, and deletes it at the next run', async () => {
    await seedInbox('c', 100, '20 days', 'old-');
    await other.query('BEGIN');
    try {
      await other.query(`SELECT 1 FROM inbox WHERE event_id = 'old-42' FOR UPDATE`);

      const run = await pruner({ lockTimeoutMs: 60000 }).runOnce();

      expect(run).toMatchObject({ ran: true, pruned: { inbox: 99 }, skipped: {} });
    } finally {
      await other.query('COMMIT');
    }
    expect((await pruner().runOnce()).pruned['inbox']).toBe(1);
  });

  it('leaves a table whose lock stays held past lock_timeout for the next run and prunes the others', async () => {
    await seedInbox('c', 100, '20 days', 'old-');
    await seedOutbox(100, '2 hours');
    await other.query('BEGIN');
    try {
      await other.query('LOCK TABLE outbox IN SHARE MODE');

      const run = await pruner({ lockTimeoutMs: 100 }).runOnce();

      expect(run.pruned['inbox']).toBe(100);
      expect(run.skipped['outbox']).toMatch(/lock_timeout/);
    } finally {
      await other.query('COMMIT');
    }
    expect((await pruner().runOnce()).pruned['outbox']).toBe(100);
  });

  it("shows every table from its start, and moves a table's time only when a run prunes it down", async () => {
    await seedInbox('c', 10, '20 days', 'old-');
    await seedOutbox(10, '2 hours');
    const metrics = new Metrics();
    const before = Date.now() / 1000;
    const subject = pruner({ lockTimeoutMs: 100 }, metrics);
    const last = async (table: string): Promise<number> =>
      (await metrics.registry.getSingleMetric('keypool_prune_last_success_timestamp_seconds')!.get()).values.find((v) => v.labels['table'] === table)!.value;
    const started = await last('inbox');
    expect(started).toBeGreaterThanOrEqual(before);
    expect(await last('outbox')).toBe(started);
    expect(await last('history')).toBe(started);

    await other.query('BEGIN');
    try {
      await other.query('LOCK TABLE outbox IN SHARE MODE');
      const run = await subject.runOnce();
      expect(run.skipped['outbox']).toMatch(/lock_timeout/);
    } finally {
      await other.query('COMMIT');
    }

    expect(await last('inbox')).toBeGreaterThan(started);
    expect(await last('outbox')).toBe(started);
  });

  it('never holds up the hot path: consumers claim and redeliver while a long pruning run goes on', async () => {
    await seedInbox('c', 6000, '20 days', 'old-');
    const running = pruner({ batchSize: 100, pauseMs: 10 }).runOnce();
    const claimed: number[] = [];
    for (let i = 0; i < 30; i++) {
      // The hot path gives up at once if a pruning batch held a lock it needs for more than a second.
      const first = await dataSource.transaction(async (manager) => {
        await manager.query(`SET LOCAL lock_timeout = 1000`);
        return claimFirstDeliveries(manager, 'c', [`new-${i}`, `old-${6000 - i}`]);
      });
      claimed.push(first.size);
    }
    const run = await running;

    expect(run.skipped).toEqual({});
    expect(claimed.every((n) => n === 1 || n === 2)).toBe(true);
    expect(await count(`SELECT count(*) AS n FROM inbox WHERE event_id LIKE 'new-%'`)).toBe(30);
  });

  it('prunes on one instance at a time: a run finding the lock taken does nothing', async () => {
    await seedInbox('c', 10, '20 days', 'old-');
    await other.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    try {
      expect(await pruner().runOnce()).toMatchObject({ ran: false, pruned: {} });
      expect(await count('SELECT count(*) AS n FROM inbox')).toBe(10);
    } finally {
      await other.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
    }
    expect((await pruner().runOnce()).pruned['inbox']).toBe(10);
  });

  it('outlives a database that is away: the run ends with the reason, and a later run prunes', async () => {
    await seedInbox('c', 10, '20 days', 'old-');
    const proxy = await TcpProxy.start(Number(new URL(db.url).port || 5432));
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const viaProxy = new DataSource({ type: 'postgres', url: url.toString(), poolSize: 2, connectTimeoutMS: 2000 });
    await viaProxy.initialize();
    try {
      const subject = pruner({}, new Metrics(), viaProxy);
      await proxy.down();
      const failed = await subject.runOnce();
      expect(failed.failure).toBeDefined();
      await proxy.up();

      expect((await subject.runOnce()).pruned['inbox']).toBe(10);
    } finally {
      await viaProxy.destroy();
      await proxy.close();
    }
  });
});
