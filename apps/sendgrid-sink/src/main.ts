// Entry point for running the sink as a process (demo, local stack):
//   SENDGRID_SINK_PORT=3090 SENDGRID_API_KEY=SG.local-dev-key node dist/apps/sendgrid-sink/src/main.js
// SENDGRID_SINK_MAX_MESSAGES (default 10000) bounds memory for long runs.
import { DEFAULT_MAX_MESSAGES } from './message-store';
import { startSinkServer } from './sink';

const DEFAULT_PORT = 3090;
const DEFAULT_API_KEY = 'SG.local-dev-key';

function readInteger(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const port = readInteger('SENDGRID_SINK_PORT', DEFAULT_PORT, 0, 65535);
  const maxMessages = readInteger('SENDGRID_SINK_MAX_MESSAGES', DEFAULT_MAX_MESSAGES, 1, Number.MAX_SAFE_INTEGER);
  const apiKey = process.env.SENDGRID_API_KEY || DEFAULT_API_KEY;
  // 0.0.0.0 so containers of the local stack can reach the sink too.
  const sink = await startSinkServer({ apiKey, maxMessages, port, host: '0.0.0.0' });
  const boundPort = sink.url.slice(sink.url.lastIndexOf(':') + 1);
  // One JSON line, like the other services' pino logs; never print the key.
  console.log(
    JSON.stringify({
      level: 'info',
      time: new Date().toISOString(),
      service: 'sendgrid-sink',
      msg: 'sendgrid-sink listening',
      url: `http://localhost:${boundPort}`,
      inbox: `http://localhost:${boundPort}/`,
      maxMessages: sink.store.maxMessages,
    }),
  );

  const shutdown = (signal: string): void => {
    sink.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(JSON.stringify({ level: 'error', service: 'sendgrid-sink', msg: `close on ${signal} failed`, error: String(error) }));
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ level: 'error', service: 'sendgrid-sink', msg: 'failed to start', error: String(error) }));
  process.exit(1);
});
