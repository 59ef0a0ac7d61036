// `npm run demo`: the whole system on this machine, and one paid order turning into an e-mail.
import 'reflect-metadata';
import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { exampleEventData, defaultTopics } from '@keypool/contracts';
import { contractEvent, kafkaMessageOf, kafkaSecurity } from '@keypool/messaging';
import { ConsoleProcess, PG_ADMIN_URL, ServiceName, ServiceProcess, SinkProcess, startAllOrNone, waitUntil } from '@keypool/testing';

const root = join(__dirname, '../..');
const SUPPORT_KEY = 'demo-support-key';
const MERCHANT_KEY = 'demo-merchant-key';
const MERCHANT = 'm_demo';
const PRODUCT = 'p_editor';
const SINK_KEY = 'SG.local-dev-key';
const once = process.argv.includes('--once');

const DATABASES = ['keypool_pool', 'keypool_fulfillment', 'keypool_notification'];

type ServiceKey = 'pool' | 'fulfillment' | 'notification';
type DemoSecrets = Record<ServiceKey, Record<string, string>>;

const newKey = () => randomBytes(32).toString('base64');

/**
 * Keys are made once and kept, so licenses encrypted by an earlier demo stay readable. Each
 * service has its own encryption keys (and pool its own hash key), as in production. New keys
 * cannot read what older ones sealed (another clone, a wiped .cache, the older shared-key
 * file), so the demo databases start afresh with them.
 */
async function demoSecrets(): Promise<DemoSecrets> {
  const file = join(root, '.cache/demo/secrets.json');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoSecrets>) : {};
  if (saved.pool && saved.fulfillment && saved.notification) return saved as DemoSecrets;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  for (const name of DATABASES) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  console.log(`  new demo keys: ${DATABASES.join(', ')} start empty`);
  mkdirSync(join(root, '.cache/demo'), { recursive: true });
  const secrets: DemoSecrets = {
    pool: { DATA_ENCRYPTION_KEYS: `demo-pool:${newKey()}`, LICENSE_HASH_KEY: newKey() },
    fulfillment: { DATA_ENCRYPTION_KEYS: `demo-fulfillment:${newKey()}` },
    notification: { DATA_ENCRYPTION_KEYS: `demo-notification:${newKey()}` },
  };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

async function call<T>(service: ServiceProcess, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const response = await fetch(`${service.url}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${MERCHANT_KEY}`, 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

const step = (text: string) => console.log(`\n\x1b[1m▶ ${text}\x1b[0m`);

async function main(): Promise<void> {
  const logDir = join(root, '.cache/demo/logs');
  mkdirSync(logDir, { recursive: true });
  const secrets = await demoSecrets();
  const common = {
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    API_KEYS: `${SUPPORT_KEY}=support,${MERCHANT_KEY}=merchant:${MERCHANT}`,
    LOG_LEVEL: 'info',
  };
  step('starting the SendGrid-compatible inbox and the three services');
  const sink = await SinkProcess.start(3090, SINK_KEY);
  const services: Record<string, [ServiceName, number, Record<string, string>]> = {
    pool: ['pool-service', 3001, secrets.pool],
    fulfillment: ['order-fulfillment-service', 3002, secrets.fulfillment],
    notification: ['notification-service', 3003, { ...secrets.notification, SENDGRID_API_KEY: SINK_KEY, SENDGRID_BASE_URL: sink.url }],
  };
  const [pool, fulfillment, notification] = await startAllOrNone(
    Object.values(services).map(([name, port, extra]) => ServiceProcess.start(name, { ...common, ...extra }, port, logDir)),
  ).catch(async (error: unknown) => {
    await sink.stop();
    throw error;
  });
  const consoleEnv = { ...common, POOL_URL: pool.url, FULFILLMENT_URL: fulfillment.url, NOTIFICATION_URL: notification.url };
  const consoleApp = await ConsoleProcess.start(consoleEnv, logDir, 3004).catch(async (error: unknown) => {
    await Promise.all([pool, fulfillment, notification, sink].map((s) => s.stop()));
    throw error;
  });
  const stopAll = async () => {
    await Promise.all([pool, fulfillment, notification, consoleApp].map((s) => s.stop()));
    await sink.stop();
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(0)));
  console.log(`  pool-service ${pool.url}  order-fulfillment ${fulfillment.url}  notification ${notification.url}  (logs: .cache/demo/logs)`);

  // A failing step stops what the demo started, so a re-run finds its ports free.
  try {
    step(`merchant ${MERCHANT} makes a pool for ${PRODUCT} and uploads 5 licenses`);
    type PoolView = { id: string; productId: string | null; currency: string | null; mode: string };
    const pools = await call<PoolView[]>(pool, 'GET', '/pools');
    const existing = pools.find((p) => p.productId === PRODUCT && p.currency === null && p.mode === 'live');
    const poolId = existing?.id ?? (await call<PoolView>(pool, 'POST', '/pools', { productId: PRODUCT, threshold: 3, name: 'Photo Editor keys' })).id;
    const licenses = Array.from({ length: 5 }, () => randomBytes(8).toString('hex').toUpperCase().match(/.{4}/g)!.join('-'));
    const report = await call(pool, 'POST', `/pools/${poolId}/licenses`, licenses.join('\n'), 'text/plain');
    console.log('  import report:', JSON.stringify(report));

    step('the merchant writes the e-mail text around {KEY}');
    const text = 'Hi {FNAME}, thanks for buying {PROGRAM_NAME}!\n\nYour license key:\n{KEY}\n\nOrder {ORDER_ID}, {QUANTITY} unit(s), {PRICE_ALL_DUPLICATES}.';
    await call(notification, 'PUT', `/merchants/${MERCHANT}/products/${PRODUCT}/email-text`, { subject: 'Your {PROGRAM_SHORT} license', text });
    console.log(`  "${text.replace(/\n/g, '\\n')}"`);

    step('the checkout publishes OrderPaid to the order-paid topic');
    const orderId = `ord_demo_${Date.now()}`;
    const data = {
      ...exampleEventData.OrderPaid,
      orderId,
      merchantId: MERCHANT,
      paidAt: new Date().toISOString(),
      items: [{ ...exampleEventData.OrderPaid.items[0], productId: PRODUCT, quantity: 1, unitPrice: '19.99', lineTotal: '19.99' }],
    };
    const kafka = new Kafka({ clientId: 'demo-checkout', brokers: common.KAFKA_BROKERS.split(','), ...kafkaSecurity(process.env), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const paid = contractEvent('OrderPaid', data, { producer: 'demo', topics: defaultTopics });
    await producer.send({ topic: paid.topic, messages: [kafkaMessageOf(paid)] });
    await producer.disconnect();
    const paidAt = Date.now();
    console.log(`  order ${orderId} for ${data.customer.email}`);

    step('waiting for the e-mail and the fulfilled order');
    let mail: Awaited<ReturnType<typeof sink.messages>>[number] | undefined;
    await waitUntil(async () => (mail = (await sink.messages(data.customer.email)).find((m) => m.text?.includes(orderId))) !== undefined, 30000, 'the e-mail');
    let order: { status: string } | undefined;
    await waitUntil(
      async () => (order = await call<{ status: string }>(fulfillment, 'GET', `/orders/${orderId}`).catch(() => undefined))?.status === 'fulfilled',
      30000,
      'the fulfilled order',
    );
    console.log(`  e-mail delivered and order ${order?.status} ${Date.now() - paidAt} ms after payment\n`);
    console.log(`  To: ${mail?.to.join(', ')}\n  Subject: ${mail?.subject}\n\n${mail?.text?.replace(/^/gm, '  | ')}`);

    console.log(`\n  Inbox:   ${sink.url.replace('127.0.0.1', 'localhost')}/`);
    console.log(`  Order:   curl -H 'Authorization: Bearer ${MERCHANT_KEY}' ${fulfillment.url}/v1/orders/${orderId}`);
    console.log(`  API docs: ${pool.url}/docs  ${fulfillment.url}/docs  ${notification.url}/docs`);
    console.log(
      `  Console: ${consoleApp.url.replace('127.0.0.1', 'localhost')}/  (sign in with ${SUPPORT_KEY} for support, ${MERCHANT_KEY} for merchant ${MERCHANT})`,
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  if (once) {
    await stopAll();
    return;
  }
  console.log('\n  Everything keeps running; press Ctrl-C to stop the services (the broker stays up: npm run stack:down).');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
