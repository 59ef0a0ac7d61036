/**
 * The tests' Kafka and PostgreSQL in Docker, started with testcontainers, for
 * `KEYPOOL_STACK=containers` (jest.config.js runs containers-setup.ts then). The default run
 * never loads this file or testcontainers: it uses the Docker-free local stack (tools/stack).
 *
 * The containers are the images docker-compose.yml names (postgres:15, apache/kafka at
 * tools/stack's KAFKA_VERSION), configured like the local stack: trust authentication,
 * one combined broker+controller, no topic auto-creation, no initial rebalance delay. Tests
 * reach them through KAFKA_BROKERS and PG_ADMIN_URL, as they reach any other stack.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const repoRoot = join(__dirname, '../../..');

export interface ContainerStack {
  kafkaBrokers: string;
  pgAdminUrl: string;
  stop(): Promise<void>;
}

/** The Kafka version the local stack runs (tools/stack/lib.sh), so both paths test the same broker. */
export function stackKafkaVersion(): string {
  const lib = readFileSync(join(repoRoot, 'tools/stack/lib.sh'), 'utf8');
  const match = /^KAFKA_VERSION="\$\{KAFKA_VERSION:-([\w.-]+)\}"/m.exec(lib);
  if (!match) throw new Error('tools/stack/lib.sh names no KAFKA_VERSION');
  return match[1];
}

/** A port no one listens on now: Kafka must advertise the host port, so it is chosen before the start. */
async function freeHostPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export async function startContainerStack(env: NodeJS.ProcessEnv = process.env): Promise<ContainerStack> {
  // Ryuk (the reaper) is an image of its own that cannot be pulled here; stop() and
  // tools/docker/prove.sh (label org.testcontainers=true) remove what a run leaves.
  process.env['TESTCONTAINERS_RYUK_DISABLED'] ??= 'true';
  const { GenericContainer, Wait } = await import('testcontainers');
  const kafkaImage = env['KEYPOOL_KAFKA_IMAGE'] ?? `apache/kafka:${stackKafkaVersion()}`;
  const postgresImage = env['KEYPOOL_POSTGRES_IMAGE'] ?? 'postgres:15';

  const kafkaPort = await freeHostPort();
  const [postgres, kafka] = await Promise.allSettled([
    new GenericContainer(postgresImage)
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forSuccessfulCommand('pg_isready -h 127.0.0.1 -U postgres'))
      .withStartupTimeout(120_000)
      .start(),
    new GenericContainer(kafkaImage)
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        // The listener's port inside equals the host port, so the advertised address works from the host.
        KAFKA_LISTENERS: `PLAINTEXT://:${kafkaPort},CONTROLLER://:9093`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '10',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS: '10',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
        KAFKA_NUM_PARTITIONS: '6',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_HEAP_OPTS: '-Xms256m -Xmx768m',
      })
      .withExposedPorts({ container: kafkaPort, host: kafkaPort })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(180_000)
      .start(),
  ]);
  const started = [postgres, kafka].flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(started.map((c) => c.stop({ timeout: 10_000 })));
  };
  const failed = [postgres, kafka].find((s) => s.status === 'rejected');
  if (failed || postgres.status !== 'fulfilled') {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }

  const kafkaBrokers = `127.0.0.1:${kafkaPort}`;
  const pgAdminUrl = `postgres://postgres@127.0.0.1:${postgres.value.getMappedPort(5432)}/postgres`;
  // As tools/stack/up.sh does: wait until kafkajs gets answers, and warm the offsets topic and
  // the producer-id block, so the first test does not meet "coordinator loading" retries.
  try {
    execFileSync(process.execPath, [join(repoRoot, 'tools/stack/kafka-ready.js'), '--brokers', kafkaBrokers, '--timeout', '120', '--warm', '--quiet'], {
      stdio: 'inherit',
      env: { ...process.env, KAFKA_BROKERS: kafkaBrokers },
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { kafkaBrokers, pgAdminUrl, stop };
}
