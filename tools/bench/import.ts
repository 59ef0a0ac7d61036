// The license import at scale, next to the database's own bulk speed measured in the same run:
//   node -r @swc-node/register tools/bench/import.ts [--lines 1000000] [--format text|json|both] [--memory]
// prints one JSON object per format: {format, lines, seconds, linesPerSec, rssGrowthMiB,
// copyBaselineSeconds, copyRatio, storeSeconds, cpuSeconds, copyBaselineCpuSeconds, cpuRatio}.
// `benchImport` returns the same figures to the bench table.
//
// - The import goes through pool-service in its own process, over HTTP, as a merchant sends it:
//   upload, spool, parse, dedupe (keyed NFKC hash), seal (AES-GCM bound to the row) and store.
// - The baseline is `psql \copy` of the same lines (the text file) into a bare one-column table
//   of a fresh database on the same server: the database's own speed for these bytes.
// - On a shared machine wall time follows everyone's load; CPU seconds much less. cpuRatio compares
//   the CPU the baseline's backend spent on the COPY with what the service and its database's
//   backends spent on the import (Linux /proc).
// - Memory is the service's resident set (VmRSS), sampled every 50 ms; the growth is the peak
//   during the import over the figure just before it (after a small warm-up import).
// - BENCH_CPU_PROFILE=1 writes the service's .cpuprofile into .cache/bench/profiles
//   (summarize it with tools/bench/summarize-profile.js).
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { ServiceProcess, TEST_KEYS, freePort, freshDatabase, testServiceEnv, uniqueName } from '@keypool/testing';

export type ImportFormat = 'text' | 'json';

export interface ImportFigure {
  format: ImportFormat;
  lines: number;
  /** Wall time of the one HTTP request: upload, spool, parse, hash, seal, store, commit. */
  seconds: number;
  linesPerSec: number;
  /** Peak resident-set growth of the service during the import, in MiB. */
  rssGrowthMiB: number;
  /** `psql \copy` of the same lines into a bare table, same server, same run. */
  copyBaselineSeconds?: number;
  /** What loaded the baseline: psql's \copy, or COPY FROM STDIN from the bench where psql is missing. */
  copyBaselineTool?: string;
  /** copyBaselineSeconds / seconds: the import's speed as a share of the database's own. */
  copyRatio?: number;
  /** Of `seconds`, those spent writing rounds into `license` (its COPY, or an INSERT into it, seen active in pg_stat_activity). */
  storeSeconds?: number;
  /**
   * CPU seconds the import took, less bent by a busy machine than wall time: the service's
   * process, and the PostgreSQL backends of its database (from /proc; 0 where not readable).
   */
  cpuSeconds?: { service: number; database: number };
  /** CPU seconds of the backend that ran the baseline's COPY (the same lines, FROM STDIN, from this process). */
  copyBaselineCpuSeconds?: number;
  /** copyBaselineCpuSeconds / (service + database CPU seconds): the ratio in CPU instead of wall time. */
  cpuRatio?: number;
}

export interface ImportBenchOptions {
  lines?: number;
  formats?: ImportFormat[];
  /** Where the service's log (and, with BENCH_CPU_PROFILE=1, its profile) go. */
  logDir?: string;
}

const REPO = join(__dirname, '../..');
const run = promisify(execFile);

export async function benchImport(options: ImportBenchOptions = {}): Promise<ImportFigure[]> {
  const lines = options.lines ?? 1_000_000;
  const formats = options.formats ?? ['text', 'json'];
  const logDir = options.logDir ?? join(REPO, '.cache/bench');
  mkdirSync(logDir, { recursive: true });
  const profileDir = process.env['BENCH_CPU_PROFILE'] ? join(REPO, '.cache/bench/profiles') : undefined;
  const profiling: Record<string, string> = profileDir
    ? { NODE_OPTIONS: `--require ${join(__dirname, 'cpu-profile.preload.js')}`, BENCH_PROFILE_DIR: profileDir }
    : {};
  // IMPORT_BATCH_SIZE=<n> in the bench's environment tries another staging batch size.
  const batchSize: Record<string, string> = process.env['IMPORT_BATCH_SIZE'] ? { IMPORT_BATCH_SIZE: process.env['IMPORT_BATCH_SIZE'] } : {};
  const db = await freshDatabase('bench_import');
  const files: string[] = [];
  let service: ServiceProcess | undefined;
  try {
    service = await ServiceProcess.start(
      'pool-service',
      testServiceEnv(db.url, uniqueName('bench'), { LOG_LEVEL: 'warn', ...batchSize, ...profiling }),
      await freePort(),
      logDir,
    );
    const warmUp = await createPool(service.url, 'p_bench_import_warm_up');
    await upload(service.url, warmUp, 'text', Buffer.from(Array.from({ length: 2000 }, (_, i) => `WARM-UP-${i}`).join('\n')));
    const figures: ImportFigure[] = [];
    for (const format of formats) {
      // Each format its own keys: the same merchant's second import would be all duplicates.
      const prefix = `BENCH-${format.toUpperCase()}-${randomBytes(3).toString('hex')}`;
      const textFile = join(logDir, `import-${prefix}.txt`);
      files.push(textFile);
      await writeLicenses(textFile, prefix, lines, 'text');
      let body = textFile;
      if (format === 'json') {
        body = join(logDir, `import-${prefix}.json`);
        files.push(body);
        await writeLicenses(body, prefix, lines, 'json');
      }
      const baseline = await copyBaseline(db.url, textFile);
      const pool = await createPool(service.url, `p_bench_import_${format}`);
      const rss = sampleRss(service.pid);
      const store = await watchStore(db.url, db.name);
      const serviceCpu = cpuOf(service.pid);
      const started = process.hrtime.bigint();
      const report = await upload(service.url, pool, format, body);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rssGrowthMiB = rss.stop();
      const { seconds: storeSeconds, databaseCpu } = await store.stop();
      const cpuSeconds = { service: round(cpuOf(service.pid) - serviceCpu, 2), database: round(databaseCpu, 2) };
      if (report['added'] !== lines) throw new Error(`the ${format} import stored ${String(report['added'])} of ${lines} licenses: ${JSON.stringify(report)}`);
      figures.push({
        format,
        lines,
        seconds: round(seconds, 2),
        linesPerSec: Math.round(lines / seconds),
        rssGrowthMiB: round(rssGrowthMiB, 1),
        copyBaselineSeconds: round(baseline.seconds, 2),
        copyBaselineTool: baseline.tool,
        copyRatio: round(baseline.seconds / seconds, 3),
        storeSeconds: round(storeSeconds, 2),
        cpuSeconds,
        copyBaselineCpuSeconds: round(baseline.cpuSeconds, 2),
        cpuRatio: round(baseline.cpuSeconds / (cpuSeconds.service + cpuSeconds.database), 3),
      });
    }
    if (profileDir && service.pid) {
      process.kill(service.pid, 'SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
    return figures;
  } finally {
    await service?.stop();
    await db.drop();
    await Promise.all(files.map((file) => rm(file, { force: true })));
  }
}

/**
 * What an import keeps, rather than what V8 has yet to collect: pool-service with
 * tools/bench/import-gc.preload.js, which forces a full collection before each resident-set
 * sample (as the default run's memory test does in-process). `rssGrowthMiB` of benchImport
 * counts garbage and the young generation's growth too.
 */
export async function benchImportMemory(options: ImportBenchOptions = {}): Promise<{ format: ImportFormat; lines: number; keptGrowthMiB: number }[]> {
  const lines = options.lines ?? 1_000_000;
  const logDir = options.logDir ?? join(REPO, '.cache/bench');
  mkdirSync(logDir, { recursive: true });
  const keptFile = join(logDir, `import-kept-rss-${randomBytes(3).toString('hex')}`);
  const preload = { NODE_OPTIONS: `--expose-gc --require ${join(__dirname, 'import-gc.preload.js')}`, BENCH_KEPT_RSS_FILE: keptFile };
  const db = await freshDatabase('bench_import_memory');
  const figures: { format: ImportFormat; lines: number; keptGrowthMiB: number }[] = [];
  let service: ServiceProcess | undefined;
  try {
    service = await ServiceProcess.start(
      'pool-service',
      testServiceEnv(db.url, uniqueName('bench'), { LOG_LEVEL: 'warn', ...preload }),
      await freePort(),
      logDir,
    );
    await upload(
      service.url,
      await createPool(service.url, 'p_memory_warm_up'),
      'text',
      Buffer.from(Array.from({ length: 2000 }, (_, i) => `WARM-UP-${i}`).join('\n')),
    );
    const kept = () => Number(readFileSync(keptFile, 'utf8')) || 0;
    for (const format of options.formats ?? ['text', 'json']) {
      const file = join(logDir, `import-memory-${randomBytes(3).toString('hex')}.${format}`);
      try {
        await writeLicenses(file, `MEM-${format.toUpperCase()}-${randomBytes(3).toString('hex')}`, lines, format);
        const pool = await createPool(service.url, `p_memory_${format}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const baseline = kept();
        let peak = baseline;
        const timer = setInterval(() => (peak = Math.max(peak, kept())), 100);
        const report = await upload(service.url, pool, format, file).finally(() => clearInterval(timer));
        await new Promise((resolve) => setTimeout(resolve, 1000));
        peak = Math.max(peak, kept());
        if (report['added'] !== lines) throw new Error(`the ${format} import stored ${String(report['added'])} of ${lines} licenses`);
        figures.push({ format, lines, keptGrowthMiB: round((peak - baseline) / 2 ** 20, 1) });
      } finally {
        await rm(file, { force: true });
      }
    }
    return figures;
  } finally {
    await service?.stop();
    await db.drop();
    await rm(keptFile, { force: true });
  }
}

/** `count` distinct license keys, one per line or as one JSON array, written as a stream. */
async function writeLicenses(path: string, prefix: string, count: number, format: ImportFormat): Promise<void> {
  const out = createWriteStream(path);
  const key = (i: number) =>
    `${prefix}-${i.toString(36).toUpperCase().padStart(6, '0')}-${((i * 2654435761) >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
  if (format === 'json') out.write('[');
  for (let start = 0; start < count; start += 10_000) {
    const keys: string[] = [];
    for (let i = start; i < Math.min(count, start + 10_000); i++) keys.push(key(i));
    const chunk = format === 'text' ? `${keys.join('\n')}\n` : `${start === 0 ? '' : ','}${keys.map((k) => JSON.stringify(k)).join(',')}`;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  if (format === 'json') out.write(']');
  out.end();
  await once(out, 'finish');
}

/**
 * Seconds `psql \copy` takes to load the file into a bare one-column table (created and dropped
 * here). Where psql is not installed, the same COPY … FROM STDIN is streamed with pg-copy-streams
 * from this process instead (`copyBaselineTool` says which ran). Then the CPU seconds of the
 * server's backend for the same COPY FROM STDIN, streamed from this process into a second table.
 */
async function copyBaseline(databaseUrl: string, file: string): Promise<{ seconds: number; tool: string; cpuSeconds: number }> {
  const table = `bare_import_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE TABLE ${table} (line text)`);
    const started = process.hrtime.bigint();
    let tool = 'psql \\copy';
    try {
      await run('psql', [databaseUrl, '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy ${table} (line) FROM '${file}'`]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      tool = 'COPY FROM STDIN (pg-copy-streams)';
      await pipeline(createReadStream(file), client.query(copyFrom(`COPY ${table} (line) FROM STDIN`)));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const [{ pid }] = (await client.query(`SELECT pg_backend_pid() AS pid`)).rows;
    await client.query(`CREATE TABLE ${table}_cpu (line text)`);
    const cpuBefore = cpuOf(pid);
    await pipeline(createReadStream(file), client.query(copyFrom(`COPY ${table}_cpu (line) FROM STDIN`)));
    return { seconds, tool, cpuSeconds: cpuOf(pid) - cpuBefore };
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}, ${table}_cpu`);
    await client.end();
  }
}

/** CPU seconds (user + system) a process has used, from /proc; 0 where it cannot be read (another host, another OS). */
function cpuOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Seconds a write of the import's rounds into license (`COPY license (…` or `INSERT INTO license (…`) is seen active,
 * polled every 100 ms; and the CPU seconds the database's backends (this watcher's excepted) used
 * from the start to the stop: those there at the start from their figure then, new ones whole.
 */
async function watchStore(adminUrl: string, database: string): Promise<{ stop(): Promise<{ seconds: number; databaseCpu: number }> }> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  const backends = async (): Promise<number[]> =>
    (await client.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database])).rows.map(
      (row: { pid: number }) => row.pid,
    );
  const startCpu = new Map<number, number>();
  const lastCpu = new Map<number, number>();
  for (const pid of await backends()) startCpu.set(pid, cpuOf(pid));
  const track = (pids: number[]) => {
    for (const pid of pids) {
      if (!startCpu.has(pid)) startCpu.set(pid, 0);
      const cpu = cpuOf(pid);
      if (cpu > 0) lastCpu.set(pid, cpu);
    }
  };
  let seconds = 0;
  let last = process.hrtime.bigint();
  let polling = true;
  const poll = async () => {
    while (polling) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND (query LIKE 'COPY license (%' OR query LIKE 'INSERT INTO license (%')`,
        [database],
      );
      const now = process.hrtime.bigint();
      if (rows[0].n > 0) seconds += Number(now - last) / 1e9;
      last = now;
      track(await backends());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const done = poll();
  return {
    stop: async () => {
      polling = false;
      await done;
      track(await backends());
      await client.end();
      let databaseCpu = 0;
      for (const [pid, cpu] of lastCpu) databaseCpu += cpu - (startCpu.get(pid) ?? 0);
      return { seconds, databaseCpu };
    },
  };
}

/** Peak VmRSS growth of a process over its figure now, sampled every 50 ms until stopped. */
function sampleRss(pid: number | undefined): { stop(): number } {
  const rss = () => {
    if (!pid) return 0;
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib ?? 0) * 1024;
  };
  const baseline = rss();
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, rss())), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return (Math.max(peak, rss()) - baseline) / 2 ** 20;
    },
  };
}

async function createPool(url: string, productId: string): Promise<string> {
  const response = await fetch(`${url}/v1/pools`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_KEYS.acme}`, 'content-type': 'application/json' },
    body: JSON.stringify({ productId, threshold: 0 }),
  });
  if (response.status !== 201) throw new Error(`pool not created: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** Streams a file (or sends a buffer) as one import request and returns its report. */
function upload(url: string, poolId: string, format: ImportFormat, body: string | Buffer): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(`/v1/pools/${poolId}/licenses`, url),
      { method: 'POST', headers: { authorization: `Bearer ${TEST_KEYS.acme}`, 'content-type': format === 'text' ? 'text/plain' : 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`import answered ${res.statusCode}: ${text.slice(0, 500)}`));
          else resolve(JSON.parse(text) as Record<string, unknown>);
        });
      },
    );
    req.on('error', reject);
    if (typeof body === 'string') createReadStream(body).pipe(req);
    else req.end(body);
  });
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}

if (require.main === module) {
  const lines = Number(argument('lines') ?? process.env['BENCH_IMPORT_LINES'] ?? 1_000_000);
  const format = argument('format') ?? 'both';
  if (!Number.isInteger(lines) || lines < 1 || lines > 10_000_000) throw new Error('--lines must be a whole number from 1 to 10,000,000');
  if (!['text', 'json', 'both'].includes(format)) throw new Error('--format must be text, json or both');
  const formats: ImportFormat[] = format === 'both' ? ['text', 'json'] : [format as ImportFormat];
  // --memory: what the import keeps (in-process, forced collections) instead of the speed run.
  (process.argv.includes('--memory') ? benchImportMemory({ lines, formats }) : benchImport({ lines, formats })).then(
    (figures) => {
      for (const figure of figures) console.log(JSON.stringify(figure));
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
