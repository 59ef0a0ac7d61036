// The one-shot `demo` service of docker-compose.yml: what `npm run demo` does with the services
// it starts, done against the running containers. A merchant fills a pool and writes the
// e-mail text, the checkout publishes OrderPaid, and the demo waits until the e-mail is in the
// sink's inbox and the order is fulfilled; it exits 0 then, 1 on any failure.
//   node -r tsconfig-paths/register dist/tools/demo/compose-demo.js   (in the keypool image)
// License values are never printed: the e-mail's key is masked (the inbox shows it).
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { defaultTopics, exampleEventData } from '@keypool/contracts';
import { contractEvent, kafkaMessageOf, kafkaSecurity } from '@keypool/messaging';

const PRODUCT = 'p_editor';
const TIMEOUT_MS = 180_000;

interface Settings {
  pool: string;
  fulfillment: string;
  notification: string;
  sink: string;
  brokers: string[];
  merchant: string;
  merchantKey: string;
}

/** Every input has a bound and a clear message: a wrong compose edit fails here, not later. */
export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const url = (name: string): string => {
    const value = env[name] ?? '';
    if (!/^https?:\/\/[^\s/]{1,200}$/.test(value)) throw new Error(`${name} must be an http(s) URL without a path, got "${value.slice(0, 100)}"`);
    return value;
  };
  const brokers = env['KAFKA_BROKERS'] ?? '';
  if (!/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/.test(brokers) || brokers.length > 1000) throw new Error('KAFKA_BROKERS must be host:port[,host:port...]');
  const merchant = env['DEMO_MERCHANT'] || 'm_demo';
  if (!/^[\w.-]{1,200}$/.test(merchant)) throw new Error('DEMO_MERCHANT must be a merchant id ([A-Za-z0-9_.-], 1-200)');
  // The demo calls the API as that merchant, with the key API_KEYS gives it (never printed).
  const entry = (env['API_KEYS'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .find((e) => e.endsWith(`=merchant:${merchant}`));
  const merchantKey = entry?.slice(0, entry.indexOf('='));
  if (!merchantKey || merchantKey.length < 8) throw new Error(`API_KEYS has no key of 8+ characters for merchant:${merchant} (see .env.example)`);
  return {
    pool: url('POOL_URL'),
    fulfillment: url('FULFILLMENT_URL'),
    notification: url('NOTIFICATION_URL'),
    sink: url('SINK_URL'),
    brokers: brokers.split(','),
    merchant,
    merchantKey,
  };
}

/** Replaces every uploaded license in a text, so the demo's output shows where the key went, not the key. */
export function maskLicenses(text: string, licenses: string[]): string {
  return licenses.reduce((masked, license) => masked.split(license).join('[license key: see the inbox]'), text);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${TIMEOUT_MS / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function main(): Promise<void> {
  const s = readSettings(process.env);
  const call = async <T>(base: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> => {
    const response = await fetch(`${base}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${s.merchantKey}`, 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };

  console.log(`demo: merchant ${s.merchant} fills a pool for ${PRODUCT} with 5 licenses`);
  type PoolView = { id: string; productId: string | null; currency: string | null; mode: string };
  const pools = await call<PoolView[]>(s.pool, 'GET', '/pools');
  const existing = pools.find((p) => p.productId === PRODUCT && p.currency === null && p.mode === 'live');
  const poolId = existing?.id ?? (await call<PoolView>(s.pool, 'POST', '/pools', { productId: PRODUCT, threshold: 3, name: 'Photo Editor keys' })).id;
  const licenses = Array.from({ length: 5 }, () => randomBytes(8).toString('hex').toUpperCase().match(/.{4}/g)!.join('-'));
  const report = await call<Record<string, unknown>>(s.pool, 'POST', `/pools/${poolId}/licenses`, licenses.join('\n'), 'text/plain');
  console.log(`demo: import report ${JSON.stringify(report)}`);

  const text = 'Hi {FNAME}, thanks for buying {PROGRAM_NAME}!\n\nYour license key:\n{KEY}\n\nOrder {ORDER_ID}, {QUANTITY} unit(s), {PRICE_ALL_DUPLICATES}.';
  await call(s.notification, 'PUT', `/merchants/${s.merchant}/products/${PRODUCT}/email-text`, { subject: 'Your {PROGRAM_SHORT} license', text });

  const orderId = `ord_compose_${Date.now()}`;
  const sample = exampleEventData.OrderPaid;
  const data = {
    ...sample,
    orderId,
    merchantId: s.merchant,
    paidAt: new Date().toISOString(),
    items: [{ ...sample.items[0], productId: PRODUCT, quantity: 1, unitPrice: '19.99', lineTotal: '19.99' }],
  };
  const kafka = new Kafka({ clientId: 'compose-demo-checkout', brokers: s.brokers, ...kafkaSecurity(process.env), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    const paid = contractEvent('OrderPaid', data, { producer: 'demo', topics: defaultTopics });
    await producer.send({ topic: paid.topic, messages: [kafkaMessageOf(paid)] });
  } finally {
    await producer.disconnect();
  }
  const paidAt = Date.now();
  console.log(`demo: checkout published OrderPaid ${orderId} for ${data.customer.email}`);

  type Mail = { to: string[]; subject: string; text?: string };
  const mail = await waitFor('the e-mail in the sink', async () => {
    const response = await fetch(`${s.sink}/__messages?to=${encodeURIComponent(data.customer.email)}`, { signal: AbortSignal.timeout(10_000) });
    const messages = (await response.json()) as Mail[];
    return messages.find((m) => m.text?.includes(orderId));
  });
  const order = await waitFor('the fulfilled order', async () => {
    const view = await call<{ status: string }>(s.fulfillment, 'GET', `/orders/${orderId}`);
    return view.status === 'fulfilled' ? view : undefined;
  });
  console.log(`demo: e-mail in the inbox and order ${order.status} ${Date.now() - paidAt} ms after payment`);
  console.log(`demo: To: ${mail.to.join(', ')} | Subject: ${mail.subject}`);
  console.log(maskLicenses(mail.text ?? '', licenses).replace(/^/gm, 'demo: | '));
  console.log('DEMO OK: the e-mail is in the sink inbox');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`DEMO FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
