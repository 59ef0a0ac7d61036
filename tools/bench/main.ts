// `npm run bench`: every figure next to a baseline measured in the same run on the same machine,
// because absolute figures differ between machines (and between minutes on a shared one).
// Prints the table, writes bench/results/<time>.json, latest.json and latency.svg.
// BENCH_SMOKE=1 runs every part with tiny sizes, all at once, to prove the bench still works;
// its figures mean nothing.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { runAllocation } from './allocation';
import { round2, runBareE2e } from './bare-e2e';
import { runKeypoolE2e } from './e2e-throughput';
import { REPO_ROOT } from './load';
import { benchImport, type ImportFormat } from './import';
import { BenchResults, HistoryResult, rowsOf, table, writeResults } from './report';

type RunHistoryBench = (options: {
  historyOrders: number;
  orders: number;
  serviceEnv?: Record<string, string>;
  concurrent?: boolean;
  log?: (line: string) => void;
}) => Promise<HistoryResult>;

/**
 * The history part is other work of issue 11 (tools/bench/history.ts), loaded by name so the
 * rest of the bench runs, and says "not run", until it lands.
 */
function companion<T>(file: string, name: string): T | undefined {
  if (!existsSync(join(__dirname, `${file}.ts`))) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the file exists (see above)
  return (require(`./${file}`) as Record<string, T>)[name];
}

const PARTS = ['bare', 'e2e', 'allocation', 'import', 'history'] as const;
type Part = (typeof PARTS)[number];

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max} (got ${raw})`);
  return value;
}

function settings() {
  const smoke = process.env['BENCH_SMOKE'] === '1';
  const parts = (process.env['BENCH_PARTS'] ?? PARTS.join(',')).split(',').map((p) => p.trim());
  const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`BENCH_PARTS names ${unknown.join(', ')}; the parts are ${PARTS.join(', ')}`);
  const sweep = (process.env['BENCH_SWEEP'] ?? (smoke ? '0.25,0.5' : '0.1,0.25,0.5,0.75')).split(',').map(Number);
  if (sweep.length > 10 || sweep.some((f) => !(f > 0 && f <= 1)))
    throw new Error('BENCH_SWEEP must be at most 10 fractions of the maximum rate, each above 0 and at most 1');
  const formats = (process.env['BENCH_IMPORT_FORMATS'] ?? 'text').split(',');
  const from = (process.env['BENCH_FROM'] ?? (smoke ? 'source' : 'build')) as 'source' | 'build';
  if (formats.some((f) => f !== 'text' && f !== 'json')) throw new Error('BENCH_IMPORT_FORMATS must list text and/or json');
  return {
    smoke,
    parts: new Set(parts as Part[]),
    orders: integer('BENCH_ORDERS', smoke ? 100 : 10000, 10, 1_000_000),
    sweep,
    sweepSeconds: integer('BENCH_SWEEP_S', smoke ? 1 : 10, 1, 120),
    allocationLines: integer('BENCH_ALLOC_LINES', smoke ? 100 : 10000, 10, 1_000_000),
    importLines: integer('BENCH_IMPORT_LINES', smoke ? 1000 : 1_000_000, 10, 10_000_000),
    importFormats: formats as ImportFormat[],
    historyOrders: integer('BENCH_HISTORY_ORDERS', smoke ? 1000 : 1_000_000, 0, 10_000_000),
    resultsDir: process.env['BENCH_RESULTS_DIR'] ?? join(REPO_ROOT, 'bench/results'),
    from,
    // NODE_OPTIONS of the services under bench: compiled, what the image ships (the Dockerfile's
    // heap settings) unless BENCH_SERVICE_NODE_OPTIONS says otherwise (empty: Node's defaults).
    serviceNodeOptions: process.env['BENCH_SERVICE_NODE_OPTIONS'] ?? (from === 'build' ? shippedNodeOptions() : ''),
  };
}

async function main(): Promise<void> {
  const s = settings();
  if (s.from !== 'source' && s.from !== 'build') throw new Error('BENCH_FROM must be source or build');
  if (s.from === 'build' && !existsSync(join(REPO_ROOT, 'dist/apps/pool-service/src/main.js')))
    throw new Error('BENCH_FROM=build runs dist/: run npm run build first');
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    smoke: s.smoke,
    servicesFrom: s.from,
    serviceNodeOptions: s.serviceNodeOptions,
    machine: { nproc: cpus().length, cpu: cpus()[0]?.model.trim() ?? 'unknown', loadAverage: loadavg().map((l) => Math.round(l * 100) / 100) },
    commit: gitCommit(),
    notRun: {},
  };
  const profileDir = process.env['BENCH_CPU_PROFILE'] || process.env['BENCH_HEAP_PROFILE'] ? join(REPO_ROOT, '.cache/bench/profiles') : undefined;
  const nodeOptions = [s.serviceNodeOptions, profileDir ? `--require ${join(__dirname, 'cpu-profile.preload.js')}` : ''].filter(Boolean).join(' ');
  const serviceEnv: Record<string, string> = {
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    ...(profileDir ? { BENCH_PROFILE_DIR: profileDir } : {}),
  };
  const brokerPid = readBrokerPid();
  const wanted = (part: Part) => {
    if (!s.parts.has(part)) results.notRun[part] = 'not in BENCH_PARTS';
    return s.parts.has(part);
  };
  const jobs: Record<Part, () => Promise<void>> = {
    bare: async () => void (results.bareE2e = await runBareE2e(s.orders, brokerPid)),
    e2e: async () =>
      void (results.e2e = await runKeypoolE2e({
        orders: s.orders,
        sweep: s.sweep,
        sweepSeconds: s.sweepSeconds,
        from: s.from,
        serviceEnv,
        brokerPid,
      })),
    allocation: async () => void (results.allocation = await runAllocation(s.allocationLines, s.from, serviceEnv)),
    import: async () => void (results.import = await benchImport({ lines: s.importLines, formats: s.importFormats })),
    history: async () => {
      const runHistoryBench = companion<RunHistoryBench>('history', 'runHistoryBench');
      if (runHistoryBench)
        results.history = await runHistoryBench({
          historyOrders: s.historyOrders,
          orders: s.orders,
          serviceEnv,
          concurrent: s.smoke,
          log: (line) => console.log(`   history: ${line}`),
        });
      else results.notRun['history'] = 'tools/bench/history.ts has not landed yet';
    },
  };
  const selected = PARTS.filter(wanted);
  const began = Date.now();
  const say = (part: Part, what: string) => console.log(`== ${part}: ${what} (${Math.round((Date.now() - began) / 100) / 10} s into the run)`);
  if (s.smoke) {
    // Figures of a smoke run mean nothing, so its parts share the machine to finish sooner. Each
    // part ends (and stops its processes) before a failure of another is reported.
    const settled = await Promise.allSettled(selected.map(async (part) => jobs[part]().then(() => say(part, 'done'))));
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
  } else {
    for (const part of selected) {
      say(part, 'running');
      await jobs[part]();
      // What is measured so far survives a later part's failure (or an interrupted run).
      writeResults(s.resultsDir, { ...results, rows: rowsOf(results) });
    }
  }
  results.finishedAt = new Date().toISOString();
  results.rows = rowsOf(results);
  console.log(`\n${table(results.rows)}\n`);
  if (results.e2e) {
    console.log(`CPU per order (ms), keypool: ${JSON.stringify(results.e2e.throughput.cpuMsPerOrder)}`);
    if (results.bareE2e) console.log(`CPU per order (ms), bare:    ${JSON.stringify(results.bareE2e.cpuMsPerOrder)}`);
    const heap = Object.entries(results.e2e.heapMiB).map(
      ([name, h]) => `${name} RSS ${results.e2e!.rssMiB[name]}: heap ${h.used} used of ${h.total}, external ${h.external}`,
    );
    console.log(`memory after the burst (MiB): ${heap.join('; ')}`);
    console.log(`events per consumed chunk in the burst: ${results.e2e.eventsPerChunk.join(', ')}`);
    for (const p of results.e2e.latency) {
      const chunks = Object.entries(p.chunks).map(([name, c]) => `${name} ${c.meanMs} ms × ${c.events}`);
      console.log(
        `at ${Math.round(p.fraction * 100)} %: hop p50 intake ${p.hopP50.intake} / allocation ${p.hopP50.allocation} / e-mail ${p.hopP50.email} ms; mean chunk transaction (events): ${chunks.join(', ')}; CPU per order ${p.cpuMsPerOrder['total']} ms (${cpuParts(p.cpuMsPerOrder)}), ${p.coresBusy} of ${cpus().length} cores busy`,
      );
    }
  }
  console.log(`machine: ${results.machine.nproc} × ${results.machine.cpu}, load average at start ${results.machine.loadAverage.join(' ')}`);
  console.log(`written: ${writeResults(s.resultsDir, results).join(', ')}`);
  if (profileDir) console.log(`CPU profiles: ${profileDir}`);
}

/** The NODE_OPTIONS the Dockerfile sets for every service (`ENV NODE_OPTIONS="…"`), so the bench measures what ships. */
function shippedNodeOptions(dockerfile = join(REPO_ROOT, 'Dockerfile')): string {
  const line = /^ENV NODE_OPTIONS=(?:"([^"]*)"|(\S*))\s*$/m.exec(readFileSync(dockerfile, 'utf8'));
  if (!line) throw new Error(`${dockerfile} sets no NODE_OPTIONS: the bench cannot run the services as they ship`);
  return line[1] ?? line[2];
}

function readBrokerPid(): number | undefined {
  const file = join(REPO_ROOT, '.cache/kafka/run-9092/kafka.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) || undefined : undefined;
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

/** "services 9.3, postgresql 1.1, kafka broker 0.9" — the parts of a CPU-per-order record, largest first, services summed. */
function cpuParts(perOrder: Record<string, number>): string {
  const services = Object.entries(perOrder)
    .filter(([name]) => name.endsWith('-service'))
    .reduce((sum, [, ms]) => sum + ms, 0);
  const rest = Object.entries(perOrder).filter(([name]) => name !== 'total' && !name.endsWith('-service'));
  return [['services', round2(services)] as const, ...rest]
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');
}
