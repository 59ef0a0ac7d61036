import { Client } from 'pg';

/**
 * Creates the service's database when the server lacks it, so a service pointed at a
 * fresh PostgreSQL starts without a manual step. Racing creators are fine (42P04).
 */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[\w-]+$/.test(name)) throw new Error(`DATABASE_URL names an unusable database "${name}"`);
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P03', '53300']);

/** PostgreSQL is away (not up yet, restarting, full), as opposed to refusing this service. */
export function isDatabaseAway(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && UNREACHABLE.has(code)) || /Connection terminated|timeout exceeded when trying to connect/.test(String(message));
}

/**
 * ensureDatabase for a service that may be (re)started while PostgreSQL is away: it waits for
 * the server, up to `waitMs`, instead of exiting at once; saying so on stderr at most once a
 * minute (the logger does not exist yet).
 */
export async function ensureDatabaseWhenReachable(
  databaseUrl: string,
  waitMs: number,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  const started = Date.now();
  let lastSaid = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureDatabase(databaseUrl);
      return;
    } catch (error) {
      if (!isDatabaseAway(error) || Date.now() - started >= waitMs) throw error;
      if (Date.now() - lastSaid >= 60000) {
        lastSaid = Date.now();
        process.stderr.write(`PostgreSQL is away at start (${String((error as Error).message)}); waiting for it\n`);
      }
      await sleep(Math.min(5000, 100 * 2 ** Math.min(attempt, 6)));
    }
  }
}
