// Every part of `npm run bench` once with tiny sizes (BENCH_SMOKE=1), so the bench cannot rot.
// It asserts that each part produced sane figures and files, never how fast anything was.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResults } from './report';

const REPO = join(__dirname, '../..');

describe('npm run bench, smoke sizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  let results: BenchResults;
  let output = '';

  beforeAll(async () => {
    output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['-r', '@swc-node/register', 'tools/bench/main.ts'],
        { cwd: REPO, env: { ...process.env, BENCH_SMOKE: '1', BENCH_RESULTS_DIR: dir }, maxBuffer: 16 * 2 ** 20 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
      );
    });
    results = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as BenchResults;
  }, 300_000); // 30 s measured at load 0.5 and 59-82 s at load 10-20 on 2 cores (its processes' CPU: 45 s); the margin is for busy machines

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs keypool and the bare kafkajs hops end to end over the same orders', () => {
    expect(results.smoke).toBe(true);
    expect(results.e2e!.throughput.orders).toBe(results.bareE2e!.orders);
    expect(results.e2e!.throughput.ordersPerSecond).toBeGreaterThan(0);
    expect(results.bareE2e!.ordersPerSecond).toBeGreaterThan(0);
    expect(results.e2e!.throughput.cpuMsPerOrder['total']).toBeGreaterThan(0);
  });

  it('measures latency and CPU per order at each offered load, each percentile no lower than the one below', () => {
    expect(results.e2e!.latency.map((p) => p.fraction)).toEqual([0.25, 0.5]);
    for (const p of results.e2e!.latency) {
      expect(p.orders).toBeGreaterThanOrEqual(20);
      expect(p.p50).toBeGreaterThan(0);
      expect(p.p50).toBeLessThanOrEqual(p.p95);
      expect(p.p95).toBeLessThanOrEqual(p.p99);
      // The point's own CPU, by part: every service worked on its orders, and the parts add up.
      for (const service of ['pool-service', 'order-fulfillment-service', 'notification-service']) expect(p.cpuMsPerOrder[service]).toBeGreaterThan(0);
      const parts = Object.entries(p.cpuMsPerOrder).filter(([name]) => name !== 'total');
      expect(p.cpuMsPerOrder['total']).toBeCloseTo(
        parts.reduce((sum, [, ms]) => sum + ms, 0),
        1,
      );
      expect(p.coresBusy).toBeGreaterThan(0);
    }
  });

  it('reads each service resident set after the burst', () => {
    expect(Object.keys(results.e2e!.rssMiB).sort()).toEqual(['notification-service', 'order-fulfillment-service', 'pool-service']);
    for (const mib of Object.values(results.e2e!.rssMiB)) expect(mib).toBeGreaterThan(20);
  });

  it('allocates through pool-service and through the bare SKIP LOCKED loop', () => {
    expect(results.allocation!.keypool.linesPerSecond).toBeGreaterThan(0);
    expect(results.allocation!.bare.linesPerSecond).toBeGreaterThan(0);
  });

  it('imports through the service next to psql \\copy of the same lines', () => {
    expect(results.import![0]).toEqual(expect.objectContaining({ format: 'text', lines: 1000, copyBaselineSeconds: expect.any(Number) }));
    expect(results.import![0].linesPerSec).toBeGreaterThan(0);
  });

  it('runs the same burst on empty databases and on databases with history, or says the part has not landed', () => {
    if (results.history) {
      expect(results.history.withHistory.length).toBeGreaterThan(0);
      expect(results.history.ratio).toBeGreaterThan(0);
    } else expect(results.notRun['history']).toMatch(/not landed/);
  });

  it('prints the table with ratios and writes the JSON and the latency chart', () => {
    expect(output).toMatch(/end to end, 100 orders in one burst \(orders\/s\) +\| [\d,]+ +\| [\d,]+ bare kafkajs hops +\| \d+\.\d\d/);
    expect(output).toMatch(/allocation, 100 lines/);
    const svg = readFileSync(join(dir, 'latency.svg'), 'utf8');
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(existsSync(join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`))).toBe(true);
  });
});
