// `npm run support -- <command>`: see apps/support-cli/README.md.
import { oneLine, runCli } from './cli';
import { ttyProgress } from './progress';

const stopping = new AbortController();
// Ctrl-C ends a command that follows a topic (alerts tail) cleanly: it leaves the broker and
// deletes its throwaway group. A second one, or one during any other command, ends the process.
if (process.argv[2] === 'alerts') {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping.signal.aborted) process.exit(130);
      stopping.abort();
    });
  }
}

/** How long a step runs before its bar appears: 500 ms, so quick commands stay quiet. */
function progressAfterMs(text: string | undefined): number {
  return text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : 500;
}

runCli(process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  // The bar goes to stderr, and only to a terminal: piped or logged output stays free of it.
  ...(process.stderr.isTTY ? { progress: ttyProgress(process.stderr, { afterMs: progressAfterMs(process.env['KEYPOOL_PROGRESS_AFTER_MS']) }) } : {}),
  signal: stopping.signal,
}).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`error: ${oneLine(error)}`);
    process.exitCode = 1;
  },
);
