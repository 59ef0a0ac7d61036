import { randomBytes } from 'node:crypto';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { defaultTopics, topicEnvVars, type TopicName } from '@keypool/contracts';
import { configureHttp, httpAdapter } from '@keypool/platform';
import { TEST_BROKERS, uniqueName } from './kafka';

export const TEST_KEYS = {
  support: 'support-test-key',
  acme: 'acme-test-key',
  globex: 'globex-test-key',
};

/** acme's checkout: reads acme's order pages and nothing else. */
export const TEST_CHECKOUT_KEY = 'acme-checkout-test-key';

/**
 * Settings for a service under test: its own database, its own topic names (so test files
 * never read each other's events), and known API keys for support, two merchants and acme's checkout.
 */
export function testServiceEnv(databaseUrl: string, topicPrefix = uniqueName('t'), extra: Record<string, string> = {}): Record<string, string> {
  const topics: Record<string, string> = {};
  for (const name of Object.keys(defaultTopics) as TopicName[]) topics[topicEnvVars[name]] = `${topicPrefix}.${defaultTopics[name]}`;
  return {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    KAFKA_BROKERS: TEST_BROKERS.join(','),
    KAFKA_TOPIC_PARTITIONS: '3',
    CONSUMER_RETRY_BASE_MS: '20',
    OUTBOX_SWEEP_MS: '200',
    DATABASE_URL: databaseUrl,
    API_KEYS: `${TEST_KEYS.support}=support,${TEST_KEYS.acme}=merchant:m_acme,${TEST_KEYS.globex}=merchant:m_globex,${TEST_CHECKOUT_KEY}=checkout:m_acme`,
    DATA_ENCRYPTION_KEYS: `test:${randomBytes(32).toString('base64')}`,
    LICENSE_HASH_KEY: randomBytes(32).toString('base64'),
    ...topics,
    ...extra,
  };
}

/** The topic names a testServiceEnv() environment uses. */
export function topicsOf(env: Record<string, string>): Record<TopicName, string> {
  const out = {} as Record<TopicName, string>;
  for (const name of Object.keys(defaultTopics) as TopicName[]) out[name] = env[topicEnvVars[name]] ?? defaultTopics[name];
  return out;
}

/** Starts a service in-process on a free port, wired exactly as main.ts wires it. */
export async function startTestApp(module: DynamicModule): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(module, httpAdapter(), { logger: false, bodyParser: false });
  configureHttp(app, { title: 'test', description: 'test' });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}
