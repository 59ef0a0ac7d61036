import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import {
  PG_ADMIN_URL,
  SINK_API_KEY,
  SinkProcess,
  TEST_BROKERS,
  TcpProxy,
  freePort,
  testServiceEnv,
  topicsOf,
  uniqueName,
  type ServiceName,
} from '@keypool/testing';
import { SinkGate } from './sink-gate';
import { SupervisedService } from './supervisor';
import type { Timeline } from './timeline';

const repoRoot = join(__dirname, '../..');
const run = promisify(execFile);

export type ServiceKey = 'pool' | 'fulfillment' | 'notification';
const SERVICES: Record<ServiceKey, ServiceName> = { pool: 'pool-service', fulfillment: 'order-fulfillment-service', notification: 'notification-service' };

export interface StackOptions {
  label: string;
  /** A private broker on this port, restartable without disturbing anyone; else the shared test broker. */
  brokerPort?: number;
  /** Named databases `keypool_<label>_*` (dropped and created again); else throwaway ones. */
  namedDatabases: boolean;
  partitions: number;
  restartDelayMs: number;
  maxMessages: number;
  /** Processes per service (default 1), sharing the service's database, keys and consumer groups. */
  instances?: number;
}

/** The system under chaos: three supervised services, PostgreSQL behind a proxy, the sink behind a gate. */
export interface ChaosStack {
  kafka: Kafka;
  prefix: string;
  topics: ReturnType<typeof topicsOf>;
  /** The first instance of each service (the only one unless `instances` > 1). */
  services: Record<ServiceKey, SupervisedService>;
  /** Every instance of each service. */
  instances: Record<ServiceKey, SupervisedService[]>;
  /** Direct URLs (not through the proxy) for the checker. */
  databases: Record<ServiceKey, string>;
  dbProxy: TcpProxy;
  sink: SinkProcess;
  sinkGate: SinkGate;
  broker?: PrivateBroker;
  logDir: string;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions, timeline: Timeline): Promise<ChaosStack> {
  const logDir = join(repoRoot, '.cache/chaos', uniqueName(options.label));
  mkdirSync(logDir, { recursive: true });
  const broker = options.brokerPort ? new PrivateBroker(options.brokerPort, timeline) : undefined;
  await broker?.start();
  const brokers = broker ? [`127.0.0.1:${options.brokerPort}`] : TEST_BROKERS;
  const names = { pool: `${options.label}_pool`, fulfillment: `${options.label}_fulfillment`, notification: `${options.label}_notification` };
  const databases = await createDatabases(options.namedDatabases ? names : randomized(names));
  const admin = new URL(PG_ADMIN_URL);
  const dbProxy = await TcpProxy.start(Number(admin.port || 5432), admin.hostname);
  const sink = await SinkProcess.start(0, SINK_API_KEY, options.maxMessages);
  const sinkGate = await SinkGate.start(sink.url);

  const prefix = uniqueName(options.label);
  const count = options.instances ?? 1;
  // Each service its own encryption keys (from testServiceEnv), as in production, shared by its
  // instances; each instance its own port from the OS (a supervised restart keeps it).
  const envFor = (key: ServiceKey, extra: Record<string, string> = {}) =>
    testServiceEnv(throughProxy(databases[key], dbProxy.port), prefix, {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PARTITIONS: String(options.partitions),
      // The services' own defaults, not the test kit's fast retries: chaos tests the real settings.
      CONSUMER_RETRY_BASE_MS: '200',
      OUTBOX_SWEEP_MS: '1000',
      LOG_LEVEL: 'info',
      ...extra,
    });
  const envs: Record<ServiceKey, Record<string, string>> = {
    pool: envFor('pool', { LICENSE_HASH_KEY: randomBytes(32).toString('base64') }),
    fulfillment: envFor('fulfillment'),
    notification: envFor('notification', { SENDGRID_API_KEY: SINK_API_KEY, SENDGRID_BASE_URL: sinkGate.url }),
  };
  // What differs between two instances of a service: the HTTP port, the e-mail sender's name
  // (EMAIL_SENDER_ID must differ between instances running at the same time; a restart keeps it)
  // and, for the group watcher, the Kafka client id. Consumer groups, database and keys are shared.
  const perInstance = (key: ServiceKey, i: number): Record<string, string> => ({
    ...(count > 1 ? { KAFKA_CLIENT_ID: `${SERVICES[key]}-${i + 1}` } : {}),
    ...(key === 'notification' ? { EMAIL_SENDER_ID: `chaos-notification-${i}` } : {}),
  });
  const instances = {} as Record<ServiceKey, SupervisedService[]>;
  for (const key of Object.keys(SERVICES) as ServiceKey[]) {
    const name = SERVICES[key];
    instances[key] = [];
    for (let i = 0; i < count; i++) {
      const label = count > 1 ? `${name}#${i + 1}` : name;
      const log = join(logDir, count > 1 ? `${name}-${i + 1}.log` : `${name}.log`);
      const service = new SupervisedService(
        name,
        `http://127.0.0.1:${await freePort()}`,
        { ...envs[key], ...perInstance(key, i) },
        log,
        timeline,
        options.restartDelayMs,
        label,
      );
      service.start();
      instances[key].push(service);
    }
  }
  const all = Object.values(instances).flat();
  await Promise.all(all.map((s) => s.waitUntilReady(180000)));
  timeline.note('ready', count > 1 ? `all services, ${count} instances each` : 'all services', `logs in ${logDir}`);
  const services = { pool: instances.pool[0], fulfillment: instances.fulfillment[0], notification: instances.notification[0] };

  return {
    kafka: new Kafka({ clientId: 'keypool-chaos', brokers, logLevel: logLevel.NOTHING }),
    prefix,
    topics: topicsOf(envs.pool),
    services,
    instances,
    databases,
    dbProxy,
    sink,
    sinkGate,
    broker,
    logDir,
    async close() {
      await Promise.all(all.map((s) => s.stop()));
      await Promise.all([sink.stop(), sinkGate.close(), dbProxy.close()]);
      if (!options.namedDatabases) await dropDatabases(Object.values(databases));
      await broker?.stop();
    },
  };
}

/** The Kafka broker of tools/stack on a port of its own: stopping it disturbs nobody else. */
export class PrivateBroker {
  constructor(
    readonly port: number,
    private readonly timeline: Timeline,
  ) {}

  async start(): Promise<void> {
    await this.script('up.sh');
    this.timeline.note('broker started', `127.0.0.1:${this.port}`);
  }

  /** SIGTERM and wait, as tools/stack/down.sh does; data and offsets stay for the next start. */
  async stop(): Promise<void> {
    await this.script('down.sh');
    this.timeline.note('broker stopped', `127.0.0.1:${this.port}`);
  }

  private async script(name: string): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_PORT: String(this.port), STACK_SKIP_DB: '1' };
    delete env['KAFKA_BROKERS'];
    await run('bash', [join(repoRoot, 'tools/stack', name)], { env, cwd: repoRoot });
  }
}

function randomized(names: Record<ServiceKey, string>): Record<ServiceKey, string> {
  const suffix = randomBytes(4).toString('hex');
  return { pool: `${names.pool}_${suffix}`, fulfillment: `${names.fulfillment}_${suffix}`, notification: `${names.notification}_${suffix}` };
}

async function createDatabases(names: Record<ServiceKey, string>): Promise<Record<ServiceKey, string>> {
  const urls = {} as Record<ServiceKey, string>;
  await withAdmin(async (client) => {
    for (const [key, name] of Object.entries(names) as [ServiceKey, string][]) {
      const database = `keypool_${name.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await client.query(`CREATE DATABASE "${database}"`);
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${database}`;
      urls[key] = url.toString();
    }
  });
  return urls;
}

async function dropDatabases(urls: string[]): Promise<void> {
  await withAdmin(async (client) => {
    for (const url of urls) await client.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  });
}

async function withAdmin(work: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

function throughProxy(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}
