import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Jest runs without --expose-gc; V8 can still hand out its gc function at run time. */
export function exposedGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Runs `work` and returns it with the peak growth of this process's resident memory meanwhile
 * (the service runs in-process). Garbage is collected first and every 200 ms, so the figure
 * shows what the work keeps, not what V8 has yet to free.
 */
export async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const collectGarbage = exposedGc();
  collectGarbage();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let ticks = 0;
  const sampler = setInterval(() => {
    if (++ticks % 4 === 0) collectGarbage();
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growthBytes: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

export const MiB = 2 ** 20;
