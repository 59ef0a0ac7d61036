// jest globalSetup for KEYPOOL_STACK=containers (jest.config.js): starts Kafka and PostgreSQL
// with testcontainers and points the tests at them. Workers start after this and inherit
// KAFKA_BROKERS and PG_ADMIN_URL; containers-teardown.ts stops the containers.
import { startContainerStack } from './containers';

export default async function containersSetup(): Promise<void> {
  const started = Date.now();
  const stack = await startContainerStack();
  process.env['KAFKA_BROKERS'] = stack.kafkaBrokers;
  process.env['PG_ADMIN_URL'] = stack.pgAdminUrl;
  (globalThis as { keypoolContainers?: typeof stack }).keypoolContainers = stack;
  console.log(`\n[containers] Kafka ${stack.kafkaBrokers}, PostgreSQL ${stack.pgAdminUrl} (testcontainers, ${Math.round((Date.now() - started) / 1000)} s)`);
}
