// Commits an event through the outbox with the relay running, then dies by SIGKILL in the
// same tick the commit returns: no I/O can happen in between, so the relay never publishes.
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { SecretBox } from '@keypool/platform';
import { envelope } from '../src/envelope';
import { openDataSource, testMessaging } from './harness';

async function main(): Promise<void> {
  const [url, topic, keySpec] = process.argv.slice(2);
  const dataSource = await openDataSource(url);
  const messaging = testMessaging(dataSource, SecretBox.fromSpec(keySpec), [topic]);
  await messaging.start();
  const event = envelope({ type: 'TestHappened', source: 'crash-child', data: { n: 1 } });
  writeSync(1, `${event.id}\n`);
  await messaging.transactions.run((tx) => Promise.resolve(tx.publish({ topic, key: 'k1', aggregateType: 'test', envelope: event })));
  process.kill(process.pid, 'SIGKILL');
}

void main();
