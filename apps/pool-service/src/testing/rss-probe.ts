import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Jest runs without --expose-gc; V8 can still hand out its gc function at run time. */
export function exposedGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Runs `work` and returns it with the peak growth of this process's resident memory meanwhile
 * (the service runs in-process). Each sample follows a garbage collection, so the figure shows
 * what the work keeps alive, not the short-lived buffers a fast upload leaves for V8 to free.
 */
export async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const collectGarbage = exposedGc();
  let gcMs = 0;
  const settledRss = () => {
    const started = Date.now();
    collectGarbage();
    gcMs = Date.now() - started;
    return process.memoryUsage().rss;
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
