import { type Topics, topicsFromEnv } from '@keypool/contracts';
import { ApiKeyRegistry } from '@keypool/platform';

export const DEFAULT_CONSOLE_PORT = 3004;

export interface ConsoleConfig {
  port: number;
  host: string;
  /** Base URLs of the services' HTTP APIs (their /v1 is added per call). */
  services: { pool: string; fulfillment: string; notification: string };
  /** The same API_KEYS the services read: sign-in checks a key here and learns whose it is. */
  keys: ApiKeyRegistry;
  topics: Topics;
  /** Sessions end this long after sign-in. */
  sessionTtlMs: number;
  /** Set the cookie's Secure flag (behind TLS). */
  secureCookie: boolean;
  /** How many PoolLow alerts the feed keeps. */
  alertsKept: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the console's settings; a bad value stops the start with a message naming it. */
export function consoleConfig(env: Env): ConsoleConfig {
  const apiKeys = env['API_KEYS'];
  if (!apiKeys) throw new Error('API_KEYS is required: the same <key>=support | <key>=merchant:<id> list the services read');
  return {
    port: integer(env, 'CONSOLE_PORT', DEFAULT_CONSOLE_PORT, 0, 65535),
    host: env['CONSOLE_HOST'] || '127.0.0.1',
    services: {
      pool: baseUrl(env, 'POOL_URL', 'http://127.0.0.1:3001'),
      fulfillment: baseUrl(env, 'FULFILLMENT_URL', 'http://127.0.0.1:3002'),
      notification: baseUrl(env, 'NOTIFICATION_URL', 'http://127.0.0.1:3003'),
    },
    keys: ApiKeyRegistry.parse(apiKeys),
    topics: topicsFromEnv(env),
    sessionTtlMs: integer(env, 'CONSOLE_SESSION_HOURS', 8, 1, 24 * 7) * 3_600_000,
    secureCookie: env['CONSOLE_SECURE_COOKIE'] === 'true',
    alertsKept: integer(env, 'CONSOLE_ALERTS_KEPT', 500, 1, 100_000),
  };
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function baseUrl(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}
