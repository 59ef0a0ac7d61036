// Loaded into pool-service by `tools/bench/import.ts --memory` (NODE_OPTIONS=--expose-gc --require):
// every sample forces a full collection, then writes the resident set to BENCH_KEPT_RSS_FILE, so
// the bench sees what the import keeps alive, not garbage V8 has yet to collect. Slows the
// service down; the speed run never loads it.
const { writeFileSync } = require('node:fs');

const file = process.env.BENCH_KEPT_RSS_FILE;
if (file && typeof global.gc === 'function') {
  let gcMs = 0;
  const sample = () => {
    const started = Date.now();
    global.gc();
    gcMs = Date.now() - started;
    writeFileSync(file, String(process.memoryUsage().rss));
    // A full collection of a big heap takes a while: leave the service most of its time.
    setTimeout(sample, Math.max(200, 4 * gcMs)).unref();
  };
  sample();
}
