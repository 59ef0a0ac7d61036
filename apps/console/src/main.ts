// The ops & support console: `CONSOLE_PORT` (default 3004), the services' URLs
// (POOL_URL, FULFILLMENT_URL, NOTIFICATION_URL, as the support CLI names them), API_KEYS as the
// services have them, KAFKA_BROKERS (+ the services' KAFKA_SSL*/KAFKA_SASL_* settings) and TOPIC_*.
import { toolKafka } from '@keypool/messaging';
import { AlertsFeed } from './alerts-feed';
import { consoleConfig } from './config';
import { DeadLetters } from './dead-letters';
import { startConsoleServer } from './server';

async function main(): Promise<void> {
  const config = consoleConfig(process.env);
  // Connected as the services and the support CLI are: the messaging library's Kafka settings.
  const kafka = toolKafka(process.env, 'keypool-console');
  const alerts = new AlertsFeed(kafka, config.topics.poolLow, config.alertsKept);
  alerts.start();
  const log = (entry: Record<string, unknown>) => console.log(JSON.stringify({ time: new Date().toISOString(), service: 'console', ...entry }));
  const running = await startConsoleServer({ config, deadLetters: new DeadLetters(kafka, config.topics), alerts, log });
  const port = running.url.slice(running.url.lastIndexOf(':') + 1);
  // One JSON line, like the services' pino logs; never a key.
  console.log(
    JSON.stringify({ level: 'info', time: new Date().toISOString(), service: 'console', msg: 'console listening', url: `http://localhost:${port}/` }),
  );

  const shutdown = (signal: string): void => {
    Promise.all([running.close(), alerts.stop()]).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(JSON.stringify({ level: 'error', service: 'console', msg: `close on ${signal} failed`, error: String(error) }));
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(JSON.stringify({ level: 'error', service: 'console', msg: 'failed to start', error: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
});
