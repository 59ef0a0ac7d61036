// Allocation: keypool's path (AllocationRequested in, LicenseAllocated out, pool-service alone)
// against a bare SQL loop of the same claim (`FOR UPDATE SKIP LOCKED`, oldest license first) on
// a bare table, in chunks of the same size and as many at once as the consumer runs partitions.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { exampleEventData } from '@keypool/contracts';
import { contractEvent } from '@keypool/messaging';
import { ServiceProcess, TEST_KEYS, freePort, freshDatabase, testKafka, testServiceEnv, topicsOf, uniqueName } from '@keypool/testing';
import { BENCH_SERVICE_SETTINGS, importLicenses, licenseLines } from './e2e-throughput';
import { Arrivals, REPO_ROOT, perSecond, publish } from './load';

export interface AllocationResult {
  lines: number;
  keypool: { ms: number; linesPerSecond: number };
  bare: { ms: number; linesPerSecond: number };
}

// pool-service's allocation consumer: chunks of 500, three partitions at once.
const CHUNK = 500;
const WORKERS = 3;

export async function runAllocation(lines: number, from: 'source' | 'build', serviceEnv: Record<string, string> = {}): Promise<AllocationResult> {
  const db = await freshDatabase('bench_alloc');
  try {
    const keypool = await keypoolAllocation(lines, db.url, from, serviceEnv);
    const bare = await bareAllocation(lines, db.url);
    return { lines, keypool, bare };
  } finally {
    await db.drop();
  }
}

async function keypoolAllocation(lines: number, url: string, from: 'source' | 'build', serviceEnv: Record<string, string>) {
  const prefix = uniqueName('bench-alloc');
  const env = testServiceEnv(url, prefix, { ...BENCH_SERVICE_SETTINGS, ...serviceEnv });
  const pool = await ServiceProcess.start('pool-service', env, await freePort(), join(REPO_ROOT, '.cache/bench'), from);
  const kafka = testKafka('bench-alloc');
  const topics = topicsOf(env);
  const allocated = await Arrivals.open(kafka, topics.licenseAllocated);
  const producer = kafka.producer();
  await producer.connect();
  try {
    const created = await fetch(`${pool.url}/v1/pools`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEYS.support}`, 'content-type': 'application/json' },
      body: JSON.stringify({ merchantId: 'm_acme', productId: 'p_alloc', threshold: 0 }),
    });
    const { id: poolId } = (await created.json()) as { id: string };
    await importLicenses(pool.url, poolId, licenseLines(lines));
    const base = exampleEventData.AllocationRequested;
    const requests = Array.from(
      { length: lines },
      (_, i) =>
        contractEvent(
          'AllocationRequested',
          { ...base, orderId: `${prefix}-${i}`, productId: 'p_alloc', item: { ...base.item, productId: 'p_alloc', quantity: 1 }, licenseCount: 1 },
          { producer: 'bench', topics },
        ).envelope,
    );
    const start = Date.now();
    await publish(producer, topics.allocationRequested, requests);
    const last = await allocated.waitFor(
      requests.map((r) => r.data.orderId),
      600000,
      'LicenseAllocated',
    );
    return { ms: last - start, linesPerSecond: perSecond(lines, last - start) };
  } finally {
    await producer.disconnect();
    await allocated.close();
    await pool.stop();
  }
}

async function bareAllocation(lines: number, url: string) {
  const setup = new Client({ connectionString: url });
  await setup.connect();
  const poolId = randomUUID();
  await setup.query(`CREATE TABLE bare_license (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), seq bigserial NOT NULL, pool_id uuid NOT NULL, value bytea NOT NULL,
    status text NOT NULL DEFAULT 'available', allocation_id uuid, allocated_at timestamptz)`);
  await setup.query(`CREATE INDEX bare_license_available ON bare_license (pool_id, seq) WHERE status = 'available'`);
  await setup.query(`INSERT INTO bare_license (pool_id, value) SELECT $1, convert_to(v, 'UTF8') FROM unnest($2::text[]) AS v`, [poolId, licenseLines(lines)]);
  await setup.query('ANALYZE bare_license');
  await setup.end();
  const clients = await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  let next = 0;
  const start = Date.now();
  await Promise.all(
    clients.map(async (client) => {
      while (next < lines) {
        const size = Math.min(CHUNK, lines - next);
        next += size;
        await client.query('BEGIN');
        for (let i = 0; i < size; i++) {
          const { rowCount } = await client.query(
            `UPDATE bare_license SET status = 'allocated', allocation_id = $2, allocated_at = now()
              WHERE id = (SELECT id FROM bare_license WHERE pool_id = $1 AND status = 'available' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
              RETURNING id, value`,
            [poolId, randomUUID()],
          );
          if (rowCount !== 1) throw new Error('the bare allocation loop ran out of licenses');
        }
        await client.query('COMMIT');
      }
    }),
  );
  const ms = Date.now() - start;
  await Promise.all(clients.map((c) => c.end()));
  return { ms, linesPerSecond: perSecond(lines, ms) };
}
