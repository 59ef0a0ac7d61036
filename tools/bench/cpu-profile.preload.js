// Loaded with NODE_OPTIONS=--require by `BENCH_CPU_PROFILE=1 npm run bench`: profiles the whole
// process and writes a V8 .cpuprofile into BENCH_PROFILE_DIR on SIGUSR2 (Nest re-raises SIGTERM,
// which would kill the process before --cpu-prof could write its file). With BENCH_HEAP_PROFILE=1
// it also samples allocations (every 32 KiB allocated, on average) and writes a .heapprofile
// (Chrome DevTools' format; `node tools/bench/summarize-profile.js <file>` sums it too).
const inspector = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_PROFILE_DIR;
const heap = process.env.BENCH_HEAP_PROFILE === '1';
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable', () => session.post('Profiler.start'));
if (heap)
  session.post('HeapProfiler.enable', () =>
    session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }),
  );
const name = /apps\/([^/]+)/.exec(process.argv.join(' '))?.[1] ?? `process-${process.pid}`;
const write = (ext, data) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.${ext}`), JSON.stringify(data));
  process.stderr.write(`profile written: ${join(dir, `${name}.${ext}`)}\n`);
};
process.on('SIGUSR2', () => {
  session.post('Profiler.stop', (error, result) => {
    if (error) return void process.stderr.write(`cpu profile failed: ${error.message}\n`);
    write('cpuprofile', result.profile);
  });
  if (heap)
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) return void process.stderr.write(`heap profile failed: ${error.message}\n`);
      write('heapprofile', result.profile);
    });
});
