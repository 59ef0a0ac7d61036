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
  const settledRss = () => (collectGarbage(), process.memoryUsage().rss);
  const baseline = settledRss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, settledRss())), 100);
  try {
    const result = await work();
    return { result, growthBytes: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

export const MiB = 2 ** 20;
