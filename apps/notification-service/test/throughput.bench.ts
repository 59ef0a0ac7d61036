// Not part of the test suite (jest only picks up *.spec.ts). Run on a quiet machine:
//   N=5000 npx jest --testMatch '**/throughput.bench.ts' apps/notification-service
// Measures LicenseAllocated on Kafka → e-mail accepted by the sink → EmailSent on Kafka.
import { SinkProcess, TopicReader } from '@keypool/testing';
import { kafka, licenseAllocated, publish, startNotificationService } from './harness';

it('sends license e-mails end to end', async () => {
  const sink = await SinkProcess.start();
  const service = await startNotificationService('notification_bench', sink);
  const sent = await TopicReader.open(kafka, service.topics.emailSent);
  const count = Number(process.env['N'] ?? 5000);
  const events = Array.from({ length: count }, (_, i) => licenseAllocated({ orderId: `ord_${i}`, customer: { email: `c${i}@example.com`, firstName: 'Ann' } }));
  const started = Date.now();
  for (let i = 0; i < count; i += 500) await publish(service.topics.licenseAllocated, `batch_${i}`, ...events.slice(i, i + 500));
  await sent.waitForCount(count, 300000);
  const ms = Date.now() - started;
  process.stdout.write(`${count} e-mails in ${ms} ms: ${Math.round((count / ms) * 1000)} e-mails/s\n`);
  await sent.close();
  await service.stop();
  await sink.stop();
}, 400000);
