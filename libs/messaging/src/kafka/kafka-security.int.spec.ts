// Starts a PRIVATE broker with a SASL_SSL listener (KAFKA_PORT 19592, SASL_SSL on 19594; the
// shared broker on 9092 is never touched) through tools/stack/up.sh: certificates made with
// openssl, one user known to SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN. The broker start makes the
// file take 40-75 s, so jest.config.js runs it only with KEYPOOL_SASL_SSL_TEST=1; npm test sets it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { SecretBox } from '@keypool/platform';
import {
  ServiceProcess,
  TestDatabase,
  TopicReader,
  createTopics,
  freePort,
  freshDatabase,
  produce,
  testServiceEnv,
  uniqueName,
  waitUntil,
} from '@keypool/testing';
import { jsonDecoder, openDataSource, testMessaging } from '../../test/harness';
import { Envelope, envelope } from '../envelope';
import { Messaging } from '../messaging';
import { KafkaSecurity, kafkaSecurity } from './kafka-security';

const PORT = process.env['KEYPOOL_SASL_SSL_TEST_PORT'] ?? '19592';
const SASL_SSL_PORT = String(Number(PORT) + 2);
const SASL_SSL_BROKERS = [`127.0.0.1:${SASL_SSL_PORT}`];
const repo = join(__dirname, '../../../..');
const tlsDir = join(repo, `.cache/kafka/run-${PORT}/tls`);
const cipher = SecretBox.fromSpec(`t1:${randomBytes(32).toString('base64')}`);

function stack(script: 'up' | 'down', ...args: string[]): Promise<unknown> {
  return promisify(execFile)('bash', [join(repo, `tools/stack/${script}.sh`), ...args], {
    cwd: repo,
    env: { ...process.env, KAFKA_PORT: PORT, KAFKA_SASL_SSL_PORT: SASL_SSL_PORT, KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m', STACK_SKIP_DB: '1', KAFKA_BROKERS: '' },
  });
}

/** The client settings up.sh wrote for its SASL_SSL listener: the CA file and the SCRAM-SHA-512 user. */
function clientEnv(): Record<string, string> {
  const lines = readFileSync(join(tlsDir, 'client.env'), 'utf8').trim().split('\n');
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

function client(security: KafkaSecurity): Kafka {
  return new Kafka({
    clientId: 'kafka-security-test',
    brokers: SASL_SSL_BROKERS,
    ...security,
    connectionTimeout: 3000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
}

async function connectAdmin(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

describe('Kafka over SASL_SSL (private broker)', () => {
  let env: ReturnType<typeof clientEnv>;
  let kafka: Kafka;
  let db: TestDatabase;
  let dataSource: DataSource;
  let messaging: Messaging | undefined;
  const readers: TopicReader[] = [];

  beforeAll(async () => {
    await stack('down', '--wipe');
    await stack('up');
    env = clientEnv();
    kafka = new Kafka({ clientId: 'kafka-security-test', brokers: SASL_SSL_BROKERS, ...kafkaSecurity(env), logLevel: logLevel.NOTHING });
    db = await freshDatabase('kafka_security');
    dataSource = await openDataSource(db.url);
  }, 120000);
  afterAll(async () => {
    await Promise.all(readers.map((r) => r.close()));
    await messaging?.stop();
    await dataSource?.destroy();
    await db?.drop();
    await stack('down', '--wipe');
  }, 60000);

  it('produces and consumes with the CA and SCRAM-SHA-512 credentials', async () => {
    const topic = uniqueName('secure');
    await createTopics(kafka, [topic], 1);
    const reader = await TopicReader.open(kafka, topic);
    readers.push(reader);
    await produce(kafka, topic, [{ key: 'order-1', value: 'over TLS' }]);
    const [message] = await reader.waitForCount(1);
    expect(message.value?.toString()).toBe('over TLS');
  });

  it('authenticates SCRAM-SHA-256, PLAIN and a client certificate (mTLS) as well', async () => {
    for (const mechanism of ['scram-sha-256', 'plain']) {
      await expect(connectAdmin(client(kafkaSecurity({ ...env, KAFKA_SASL_MECHANISM: mechanism })))).resolves.toContain('__consumer_offsets');
    }
    const mtls = kafkaSecurity({ ...env, KAFKA_SSL_CERT_FILE: join(tlsDir, 'client.pem'), KAFKA_SSL_KEY_FILE: join(tlsDir, 'client.key') });
    await expect(connectAdmin(client(mtls))).resolves.toContain('__consumer_offsets');
  });

  it('refuses a wrong password, and its error does not carry the password', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const error = await connectAdmin(client(kafkaSecurity({ ...env, KAFKA_SASL_PASSWORD: wrong }))).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('KafkaJSSASLAuthenticationError');
    expect((error as Error).message).toMatch(/invalid credentials/);
    expect(JSON.stringify(error)).not.toContain(wrong);
    expect((error as Error).message).not.toContain(env.KAFKA_SASL_PASSWORD);
  });

  it('cannot be talked to without TLS, nor with TLS that does not trust its CA', async () => {
    const { KAFKA_SSL: _ssl, KAFKA_SSL_CA_FILE: _ca, ...saslOnly } = env;
    // The broker expects a TLS handshake and drops a client that starts with a Kafka request.
    await expect(connectAdmin(client(kafkaSecurity(saslOnly)))).rejects.toThrow(/Closed connection/);
    const systemCas = kafkaSecurity({ ...env, KAFKA_SSL_CA_FILE: undefined });
    await expect(connectAdmin(client(systemCas))).rejects.toThrow(/certificate/);
  });

  it('runs a Messaging consume, transaction and outbox publish round trip over SASL_SSL', async () => {
    const inbound = uniqueName('secure-in');
    const outbound = uniqueName('secure-out');
    const fatal: unknown[] = [];
    messaging = testMessaging(dataSource, cipher, [outbound], (error) => fatal.push(error), { brokers: SASL_SSL_BROKERS, security: kafkaSecurity(env) });
    await messaging.start([inbound]);
    await messaging.consume({
      name: 'secure',
      groupId: uniqueName('g'),
      topics: [inbound],
      decode: jsonDecoder,
      handle: async (events, tx) => {
        for (const e of events) {
          await tx.manager.query('INSERT INTO effects (event_id) VALUES ($1)', [e.envelope.id]);
          tx.publish({
            topic: outbound,
            key: e.envelope.id,
            aggregateType: 'test',
            envelope: envelope({ type: 'TestEchoed', source: 'test', data: { of: e.envelope.id } }),
          });
        }
      },
    });
    const out = await TopicReader.open(kafka, outbound);
    readers.push(out);
    const sent = envelope({ type: 'TestHappened', source: 'test', data: { n: 1 } });
    await produce(kafka, inbound, [{ key: sent.id, value: JSON.stringify(sent) }]);
    await out.waitForCount(1);
    expect(out.values<Envelope>()[0].data).toEqual({ of: sent.id });
    const probes = await Promise.all(messaging.readinessProbes().map((p) => p.check()));
    expect(probes.every((p) => p.up)).toBe(true);
    expect(fatal).toEqual([]);
  });

  it('gets a service ready over SASL_SSL from its KAFKA_SSL* and KAFKA_SASL_* settings alone', async () => {
    const serviceDb = await freshDatabase('kafka_security_pool');
    const logDir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
    const settings = { ...env, KAFKA_BROKERS: SASL_SSL_BROKERS.join(','), LOG_LEVEL: 'info' };
    const service = await ServiceProcess.start('pool-service', testServiceEnv(serviceDb.url, uniqueName('sec'), settings), await freePort(), logDir).catch(
      async (error) => {
        await serviceDb.drop();
        throw error;
      },
    );
    try {
      const health = await fetch(`${service.url}/health/ready`).then((r) => r.json());
      expect(JSON.stringify(health)).not.toContain(env.KAFKA_SASL_PASSWORD);
      await waitUntil(async () => (await connectAdmin(kafka)).some((t) => t.startsWith('sec-')), 5000, "the service's topics");
      expect(readFileSync(service.logFile, 'utf8')).not.toContain(env.KAFKA_SASL_PASSWORD);
    } finally {
      await service.stop();
      await serviceDb.drop();
    }
  });
});
