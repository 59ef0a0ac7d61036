// CPU seconds spent by the parts of the system, read from /proc (Linux), so the benchmark can
// say where the time of an order goes, not only how many orders went through.
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** utime + stime of one process, in seconds; 0 when it is gone or /proc is absent. */
export function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds of every process whose command name is `comm` (e.g. all PostgreSQL backends), as
 * a counter that only grows: each call adds what each process used since the previous call (all
 * of it for a process seen first at a later call). A plain sum would fall when a backend of
 * someone else's test exits; the CPU a process uses between the last call and its exit is lost.
 */
export function commandCpuCounter(comm: string): () => number {
  const last = new Map<number, number>();
  let total = 0;
  let first = true;
  return () => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== comm) continue;
      } catch {
        continue; // the process ended while we looked
      }
      const pid = Number(entry);
      const seconds = cpuSecondsOf(pid);
      if (!first) total += Math.max(0, seconds - (last.get(pid) ?? 0));
      last.set(pid, seconds);
    }
    first = false;
    return total;
  };
}

export type CpuSample = Record<string, number>;

export function sampleCpu(parts: Record<string, () => number>): CpuSample {
  return Object.fromEntries(Object.entries(parts).map(([name, read]) => [name, read()]));
}

/** "pool-service 1.2 s (0.24 ms/order), …" for the CPU spent between two samples. */
export function describeCpu(before: CpuSample, after: CpuSample, orders: number): string {
  const rows = Object.keys(after).map((name) => ({ name, seconds: after[name] - (before[name] ?? 0) }));
  const total = rows.reduce((sum, r) => sum + r.seconds, 0);
  const perOrder = (s: number) => ((s / orders) * 1000).toFixed(2);
  return [
    ...rows.map((r) => `  ${r.name.padEnd(26)} ${r.seconds.toFixed(1).padStart(6)} s  ${perOrder(r.seconds)} ms/order`),
    `  ${'total'.padEnd(26)} ${total.toFixed(1).padStart(6)} s  ${perOrder(total)} ms/order`,
  ].join('\n');
}
