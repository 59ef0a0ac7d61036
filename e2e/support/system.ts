import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import {
  SINK_API_KEY,
  ServiceName,
  ServiceProcess,
  SinkProcess,
  TEST_KEYS,
  TestDatabase,
  freePort,
  freshDatabase,
  startAllOrNone,
  testKafka,
  testServiceEnv,
  topicsOf,
  uniqueName,
} from '@keypool/testing';

export interface RunningSystem {
  pool: ServiceProcess;
  fulfillment: ServiceProcess;
  notification: ServiceProcess;
  sink: SinkProcess;
  kafka: Kafka;
  topics: ReturnType<typeof topicsOf>;
  /** The environment each service was started with (its keys included), for tests that look for secrets. */
  env: Record<ServiceName, Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * All three services as real processes on the real broker and PostgreSQL, sending mail
 * through the SendGrid-compatible sink; topic names are unique to this system.
 */
export async function startSystem(label: string): Promise<RunningSystem> {
  const logDir = join(__dirname, '../../.cache/e2e-logs', uniqueName(label));
  mkdirSync(logDir, { recursive: true });
  const prefix = uniqueName(label);
  const databases: TestDatabase[] = await Promise.all(['pool', 'fulfil', 'notif'].map((n) => freshDatabase(`${label}_${n}`)));
  const sink = await SinkProcess.start();
  // Each service gets its own encryption keys (testServiceEnv makes fresh ones per call), as in production.
  const envFor = (db: TestDatabase, extra: Record<string, string> = {}) => testServiceEnv(db.url, prefix, { LOG_LEVEL: 'info', ...extra });
  const start = async (name: ServiceName, env: Record<string, string>) => ServiceProcess.start(name, env, await freePort(), logDir);
  const env: Record<ServiceName, Record<string, string>> = {
    'pool-service': envFor(databases[0]),
    'order-fulfillment-service': envFor(databases[1]),
    'notification-service': envFor(databases[2], {
      SENDGRID_API_KEY: SINK_API_KEY,
      SENDGRID_BASE_URL: sink.url,
      SENDGRID_MAX_ATTEMPTS: '4',
      SENDGRID_RETRY_BASE_MS: '50',
    }),
  };
  const [pool, fulfillment, notification] = await startAllOrNone([
    start('pool-service', env['pool-service']),
    start('order-fulfillment-service', env['order-fulfillment-service']),
    start('notification-service', env['notification-service']),
  ]).catch(async (error: unknown) => {
    await sink.stop();
    throw error;
  });
  const topics = topicsOf(envFor(databases[0]));
  return {
    pool,
    fulfillment,
    notification,
    sink,
    kafka: testKafka(),
    topics,
    env,
    async stop() {
      await Promise.all([pool.stop(), fulfillment.stop(), notification.stop(), sink.stop()]);
      await Promise.all(databases.map((db) => db.drop()));
    },
  };
}

export const keys = TEST_KEYS;

/** A small HTTP client for the services' /v1 APIs that fails loudly with the response body. */
export async function api<T = Record<string, unknown>>(
  service: ServiceProcess,
  method: string,
  path: string,
  options: { key?: string; json?: unknown; text?: string; expect?: number } = {},
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? keys.support}` };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.text !== undefined) {
    headers['content-type'] = 'text/plain';
    body = options.text;
  }
  const response = await fetch(`${service.url}/v1${path}`, { method, headers, body });
  const text = await response.text();
  const expected = options.expect ?? (response.status < 300 ? response.status : 200);
  if (response.status !== expected) throw new Error(`${method} ${path} → ${response.status} (expected ${expected}): ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
