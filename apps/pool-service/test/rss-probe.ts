import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Jest runs without --expose-gc; V8 can still hand out its gc function at run time. */
export function exposedGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Runs `work` and returns it with the peak growth of what this process keeps alive meanwhile
 * (the service runs in-process): V8's used heap plus external memory (Buffers), each sample
 * taken after a garbage collection. Not the resident set: memory freed by a collection often
 * stays resident in the allocator's arenas, which made a 20 MiB upload that holds nothing
 * measure 1–27 MiB of RSS growth from one run to the next.
 */
export async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const collectGarbage = exposedGc();
  let gcMs = 0;
  const settledRss = () => {
    const started = Date.now();
    collectGarbage();
    gcMs = Date.now() - started;
    const { heapUsed, external } = process.memoryUsage();
    return heapUsed + external;
  };
  const baseline = settledRss();
  let peak = baseline;
  // A full collection of a large heap (a jest worker that ran many files) can take a good part
  // of a second: sampling at a fixed 100 ms would leave the work under test no time to run.
  let sampler: NodeJS.Timeout | undefined;
  const sample = () => {
    peak = Math.max(peak, settledRss());
    sampler = setTimeout(sample, Math.max(100, 4 * gcMs));
  };
  sampler = setTimeout(sample, Math.max(100, 4 * gcMs));
  try {
    const result = await work();
    return { result, growthBytes: Math.max(peak, settledRss()) - baseline };
  } finally {
    clearTimeout(sampler);
  }
}

export const MiB = 2 ** 20;
