// Loaded with NODE_OPTIONS=--require by `BENCH_CPU_PROFILE=1 npm run bench`: profiles the whole
// process and writes a V8 .cpuprofile into BENCH_PROFILE_DIR on SIGUSR2 (Nest re-raises SIGTERM,
// which would kill the process before --cpu-prof could write its file).
const inspector = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_PROFILE_DIR;
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable', () => session.post('Profiler.start'));
process.on('SIGUSR2', () => {
  session.post('Profiler.stop', (error, result) => {
    if (error) return void process.stderr.write(`cpu profile failed: ${error.message}\n`);
    mkdirSync(dir, { recursive: true });
    const name = /apps\/([^/]+)/.exec(process.argv.join(' '))?.[1] ?? `process-${process.pid}`;
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(result.profile));
    process.stderr.write(`cpu profile written: ${join(dir, `${name}.cpuprofile`)}\n`);
  });
});
