// The bench's output: each figure next to its same-run baseline and the ratio, as a table on the
// console, as JSON under bench/results/, and latency against offered load as an SVG chart.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AllocationResult } from './allocation';
import type { ThroughputResult } from './bare-e2e';
import type { E2eResult, LatencyPoint } from './e2e-throughput';

/** One row of the table: a figure, its baseline from the same run, and what it is held to. */
export interface Row {
  measure: string;
  value: string;
  baseline: string;
  ratio?: number;
  target: string;
  met?: boolean;
}

/** What tools/bench/import.ts's benchImport reports per format. */
export interface ImportFigure {
  format: string;
  lines: number;
  seconds: number;
  linesPerSec: number;
  rssGrowthMiB: number;
  copyBaselineSeconds?: number;
}

/** What tools/bench/history.ts's runHistoryBench reports (the part of it the table shows). */
export interface HistoryResult {
  orders: number;
  historyOrders: number;
  empty: { ordersPerSecond: number }[];
  withHistory: { ordersPerSecond: number }[];
  ratio: number;
}

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  smoke: boolean;
  /** Services compiled from dist/ (as deployed) or run from source through swc. */
  servicesFrom: 'source' | 'build';
  serviceNodeOptions: string;
  machine: { nproc: number; cpu: string; loadAverage: number[] };
  commit?: string;
  e2e?: E2eResult;
  bareE2e?: ThroughputResult;
  allocation?: AllocationResult;
  /** From tools/bench/import.ts (`benchImport`): the service's import against `psql \copy`. */
  import?: ImportFigure[];
  /** From tools/bench/history.ts, when it is there. */
  history?: HistoryResult;
  notRun: Record<string, string>;
  rows?: Row[];
}

export const TARGETS = { e2eRatio: 0.5, allocationRatio: 0.5, importRatio: 0.25, importGrowthMiB: 64, p50Ms: 100, p99Ms: 300, rssMiB: 160, historyRatio: 0.9 };

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ratioOf = (a: number, b: number) => Math.round((a / b) * 100) / 100;

export function rowsOf(r: BenchResults): Row[] {
  const rows: Row[] = [];
  const skipped = (measure: string, part: string, target: string) =>
    rows.push({ measure, value: `not run (${r.notRun[part] ?? 'not asked for'})`, baseline: '', target });
  if (r.e2e && r.bareE2e) {
    const k = r.e2e.throughput;
    const b = r.bareE2e;
    const ratio = ratioOf(k.ordersPerSecond, b.ordersPerSecond);
    rows.push({
      measure: `end to end, ${n(k.orders)} orders in one burst (orders/s)`,
      value: n(k.ordersPerSecond),
      baseline: `${n(b.ordersPerSecond)} bare kafkajs hops`,
      ratio,
      target: `≥ ${TARGETS.e2eRatio}`,
      met: ratio >= TARGETS.e2eRatio,
    });
    rows.push({
      measure: 'CPU per order, all parts (ms)',
      value: String(k.cpuMsPerOrder['total']),
      baseline: `${b.cpuMsPerOrder['total']} bare`,
      ratio: ratioOf(k.cpuMsPerOrder['total'], b.cpuMsPerOrder['total']),
      target: '',
    });
  } else if (r.e2e) {
    rows.push({
      measure: `end to end, ${n(r.e2e.throughput.orders)} orders in one burst (orders/s)`,
      value: n(r.e2e.throughput.ordersPerSecond),
      baseline: `not run (${r.notRun['bare'] ?? 'not asked for'})`,
      target: `≥ ${TARGETS.e2eRatio}`,
    });
  } else if (r.bareE2e) {
    rows.push({
      measure: `end to end, ${n(r.bareE2e.orders)} orders in one burst (orders/s)`,
      value: `not run (${r.notRun['e2e'] ?? 'not asked for'})`,
      baseline: `${n(r.bareE2e.ordersPerSecond)} bare kafkajs hops (CPU ${r.bareE2e.cpuMsPerOrder['total']} ms/order)`,
      target: `≥ ${TARGETS.e2eRatio}`,
    });
  } else skipped('end to end (orders/s)', 'e2e', `≥ ${TARGETS.e2eRatio}`);
  if (r.e2e) {
    const max = r.e2e.throughput.ordersPerSecond;
    for (const p of r.e2e.latency) {
      const half = Math.abs(p.fraction - 0.5) < 1e-9;
      rows.push({
        measure: `latency p50 / p95 / p99 at ${Math.round(p.fraction * 100)} % of max (${n(p.offeredPerSecond)} orders/s, ${n(p.orders)} orders) (ms)`,
        value: `${p.p50} / ${p.p95} / ${p.p99}`,
        baseline: `max ${n(max)}/s; hops p50 ${p.hopP50.intake} + ${p.hopP50.allocation} + ${p.hopP50.email}`,
        target: half ? `p50 ≤ ${TARGETS.p50Ms}, p99 ≤ ${TARGETS.p99Ms}` : '',
        met: half ? p.p50 <= TARGETS.p50Ms && p.p99 <= TARGETS.p99Ms : undefined,
      });
    }
    for (const [service, mib] of Object.entries(r.e2e.rssMiB)) {
      rows.push({
        measure: `RSS of ${service} after the burst (MiB)`,
        value: String(mib),
        baseline: '',
        target: `≤ ${TARGETS.rssMiB}`,
        met: mib <= TARGETS.rssMiB,
      });
    }
  }
  if (r.allocation) {
    const a = r.allocation;
    const ratio = ratioOf(a.keypool.linesPerSecond, a.bare.linesPerSecond);
    rows.push({
      measure: `allocation, ${n(a.lines)} lines (lines/s)`,
      value: n(a.keypool.linesPerSecond),
      baseline: `${n(a.bare.linesPerSecond)} bare SKIP LOCKED loop`,
      ratio,
      target: `≥ ${TARGETS.allocationRatio}`,
      met: ratio >= TARGETS.allocationRatio,
    });
  } else skipped('allocation (lines/s)', 'allocation', `≥ ${TARGETS.allocationRatio}`);
  if (r.import?.length) {
    for (const f of r.import) {
      const copy = f.copyBaselineSeconds ? f.lines / f.copyBaselineSeconds : NaN;
      const ratio = ratioOf(f.linesPerSec, copy);
      rows.push({
        measure: `import, ${n(f.lines)} lines as ${f.format} (lines/s)`,
        value: n(f.linesPerSec),
        baseline: `${n(copy)} psql \\copy`,
        ratio,
        target: `≥ ${TARGETS.importRatio}`,
        met: ratio >= TARGETS.importRatio,
      });
      rows.push({
        measure: `import memory growth, ${f.format} (MiB)`,
        value: String(f.rssGrowthMiB),
        baseline: '',
        target: `≤ ${TARGETS.importGrowthMiB}`,
        met: f.rssGrowthMiB <= TARGETS.importGrowthMiB,
      });
    }
  } else skipped('import (lines/s)', 'import', `≥ ${TARGETS.importRatio}`);
  if (r.history) {
    const h = r.history;
    const mean = (runs: { ordersPerSecond: number }[]) => runs.reduce((sum, x) => sum + x.ordersPerSecond, 0) / Math.max(1, runs.length);
    rows.push({
      measure: `end to end with ${n(h.historyOrders)} orders of history, ${n(h.orders)}-order bursts (orders/s)`,
      value: n(mean(h.withHistory)),
      baseline: `${n(mean(h.empty))} on empty databases`,
      ratio: Math.round(h.ratio * 100) / 100,
      target: `≥ ${TARGETS.historyRatio}`,
      met: h.ratio >= TARGETS.historyRatio,
    });
  } else skipped('throughput with 1,000,000 orders of history', 'history', `≥ ${TARGETS.historyRatio} of empty`);
  return rows;
}

export function table(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.measure,
    r.value,
    r.baseline,
    r.ratio === undefined ? '' : r.ratio.toFixed(2),
    r.target,
    r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
  ]);
  const head = ['measure', 'keypool', 'baseline (same run)', 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => x.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join('\n');
}

/** Writes <timestamp>.json and latest.json, and latency.svg when the sweep ran; returns the paths. */
export function writeResults(dir: string, results: BenchResults): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const paths = [join(dir, `${stamp}.json`), join(dir, 'latest.json')];
  for (const p of paths) writeFileSync(p, json);
  if (results.e2e?.latency.length) {
    const svg = join(dir, 'latency.svg');
    writeFileSync(
      svg,
      latencySvg(
        results.e2e.latency,
        results.e2e.throughput.ordersPerSecond,
        `${results.machine.nproc} × ${results.machine.cpu}, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
      ),
    );
    paths.push(svg);
  }
  return paths;
}

/** Latency percentiles against offered load (as a share of the burst's rate), with the targets. */
export function latencySvg(points: LatencyPoint[], maxRate: number, subtitle: string): string {
  const W = 640,
    H = 400,
    left = 64,
    right = 150,
    top = 48,
    bottom = 56;
  const plotW = W - left - right,
    plotH = H - top - bottom;
  const highest = Math.max(TARGETS.p99Ms * 1.2, ...points.map((p) => p.p99));
  const yMax = niceCeiling(highest);
  const x = (fraction: number) => left + fraction * plotW;
  const y = (ms: number) => top + plotH - (Math.min(ms, yMax) / yMax) * plotH;
  const series: { key: 'p50' | 'p95' | 'p99'; colour: string }[] = [
    { key: 'p50', colour: '#1f77b4' },
    { key: 'p95', colour: '#ff7f0e' },
    { key: 'p99', colour: '#d62728' },
  ];
  const sorted = [...points].sort((a, b) => a.fraction - b.fraction);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">OrderPaid → EmailSent latency against offered load</text>`);
  out.push(`<text x="${left}" y="36" fill="#555">100 % = ${Math.round(maxRate)} orders/s, the burst rate of the same run; ${escapeXml(subtitle)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const ms = (yMax / 5) * i;
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(ms)}" y2="${y(ms)}" stroke="#eee"/>`);
    out.push(`<text x="${left - 6}" y="${y(ms) + 4}" text-anchor="end">${Math.round(ms)}</text>`);
  }
  for (let pct = 0; pct <= 100; pct += 25) {
    out.push(`<line x1="${x(pct / 100)}" x2="${x(pct / 100)}" y1="${top}" y2="${top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${x(pct / 100)}" y="${top + plotH + 16}" text-anchor="middle">${pct} %</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${H - 14}" text-anchor="middle">offered load (share of the maximum rate)</text>`);
  out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`);
  for (const ms of [TARGETS.p50Ms, TARGETS.p99Ms])
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(ms)}" y2="${y(ms)}" stroke="#666" stroke-dasharray="4 4"/>`);
  const ty = top + 90 + series.length * 18;
  out.push(`<line x1="${left + plotW + 8}" x2="${left + plotW + 28}" y1="${ty}" y2="${ty}" stroke="#666" stroke-dasharray="4 4"/>`);
  out.push(`<text x="${left + plotW + 34}" y="${ty + 4}" fill="#666">targets</text>`);
  out.push(`<text x="${left + plotW + 34}" y="${ty + 20}" fill="#666">${TARGETS.p50Ms} / ${TARGETS.p99Ms} ms</text>`);
  out.push(`<line x1="${x(0.5)}" x2="${x(0.5)}" y1="${top}" y2="${top + plotH}" stroke="#666" stroke-dasharray="2 3"/>`);
  series.forEach(({ key, colour }, i) => {
    const pts = sorted.map((p) => `${x(p.fraction).toFixed(1)},${y(p[key]).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of sorted)
      out.push(
        `<circle cx="${x(p.fraction).toFixed(1)}" cy="${y(p[key]).toFixed(1)}" r="3" fill="${colour}"><title>${key} ${p[key]} ms at ${Math.round(p.fraction * 100)} % (${p.offeredPerSecond}/s)</title></circle>`,
      );
    const ly = top + 90 + i * 18;
    out.push(`<line x1="${left + plotW + 8}" x2="${left + plotW + 28}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${left + plotW + 34}" y="${ly + 4}">${key}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 2.5, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}
