import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import { TEST_CHECKOUT_KEY, TopicReader, headerText, produce, uniqueName, waitUntil } from '@keypool/testing';
import { LineSpec, orderPaid, orderPaidEvent, publishOrderPaid } from './support/orders';
import { RunningSystem, api, keys, startSystem } from './support/system';

interface OrderView {
  status: string;
  lines: { lineId: string; status: string; licenses: { licenseId: string }[] }[];
}

const merchantId = 'm_acme';

describe('a paid order becomes e-mails and a fulfilled order (three services, real broker and PostgreSQL)', () => {
  let system: RunningSystem;
  let fulfilled: TopicReader;
  let dlq: TopicReader;

  beforeAll(async () => {
    system = await startSystem('flow');
    fulfilled = await TopicReader.open(system.kafka, system.topics.orderFulfilled);
    dlq = await TopicReader.open(system.kafka, `${system.topics.orderPaid}.dlq`);
  }, 180000);
  afterAll(async () => {
    await fulfilled?.close();
    await dlq?.close();
    await system?.stop();
  });

  async function stockedProduct(licenses: number, rule: 'per_unit' | 'per_product' = 'per_unit'): Promise<{ productId: string; poolId: string }> {
    const productId = uniqueName('p');
    const pool = await api<{ id: string }>(system.pool, 'POST', '/pools', {
      json: { merchantId, productId, threshold: 0, mode: 'live' },
      expect: 201,
    });
    const poolId = pool.id;
    if (licenses > 0) await importLicenses(poolId, licenses);
    await api(system.fulfillment, 'PUT', `/merchants/${merchantId}/products/${productId}/delivery`, {
      json: { rule, showOnOrderPage: false },
    });
    return { productId, poolId };
  }

  async function importLicenses(poolId: string, count: number): Promise<void> {
    const lines = Array.from({ length: count }, () => uniqueName('KEY').toUpperCase()).join('\n');
    await api(system.pool, 'POST', `/pools/${poolId}/licenses`, { text: lines, expect: 200 });
  }

  async function pay(lines: LineSpec[], extra: Parameters<typeof orderPaid>[2] = {}) {
    const event = orderPaidEvent(orderPaid(merchantId, lines, extra));
    await publishOrderPaid(system.kafka, system.topics.orderPaid, event);
    return event;
  }

  const order = (orderId: string) => api<OrderView>(system.fulfillment, 'GET', `/orders/${orderId}`, { expect: 200 });
  const fulfilledOf = (orderId: string) =>
    fulfilled.values<{ data: { orderId: string; lines: { lineId: string; licenseIds: string[] }[] } }>().filter((e) => e.data.orderId === orderId);

  async function waitForOrderStatus(orderId: string, status: string) {
    await waitUntil(async () => (await order(orderId).catch(() => undefined))?.status === status, 45000, `order ${orderId} ${status}`);
  }

  it('fulfils one order of two products: per unit (3) and per product (2) → 4 licenses, 2 e-mails', async () => {
    const perUnit = await stockedProduct(5, 'per_unit');
    const perProduct = await stockedProduct(5, 'per_product');
    const event = await pay([
      { productId: perUnit.productId, quantity: 3 },
      { productId: perProduct.productId, quantity: 2 },
    ]);
    const { orderId } = event.data;
    await waitForOrderStatus(orderId, 'fulfilled');
    await waitUntil(() => fulfilledOf(orderId).length === 1, 20000, 'OrderFulfilled');

    const [done] = fulfilledOf(orderId);
    const byLine = Object.fromEntries(done.data.lines.map((l) => [l.lineId, l.licenseIds]));
    expect(byLine['1']).toHaveLength(3);
    expect(byLine['2']).toHaveLength(1);
    expect(new Set([...byLine['1'], ...byLine['2']]).size).toBe(4);
    const view = await order(orderId);
    expect(view.lines.map((l) => l.status)).toEqual(['delivered', 'delivered']);
    expect(view.lines.flatMap((l) => l.licenses.map((x) => x.licenseId)).sort()).toEqual([...byLine['1'], ...byLine['2']].sort());

    const mails = await system.sink.messages(event.data.customer.email);
    const forOrder = mails.filter((m) => m.text?.includes(orderId));
    expect(forOrder).toHaveLength(2);
  });

  it('gives a repeated OrderPaid, and a second OrderPaid for the same order, no second allocation or e-mail', async () => {
    const product = await stockedProduct(10);
    const event = await pay([{ productId: product.productId, quantity: 2 }]);
    const { orderId } = event.data;
    await waitForOrderStatus(orderId, 'fulfilled');
    await publishOrderPaid(system.kafka, system.topics.orderPaid, event);
    const again = orderPaidEvent({ ...event.data });
    await publishOrderPaid(system.kafka, system.topics.orderPaid, again);
    // A later order on the same partition (same key) proves both duplicates were consumed, and
    // its whole journey to fulfilled gives any wrongly started second allocation time to show.
    const marker = orderPaidEvent(orderPaid(merchantId, [{ productId: product.productId, quantity: 1 }]));
    await publishOrderPaid(system.kafka, system.topics.orderPaid, marker, orderId);
    await waitForOrderStatus(marker.data.orderId, 'fulfilled');

    const view = await order(orderId);
    expect(view.lines[0].licenses).toHaveLength(2);
    const mails = (await system.sink.messages()).filter((m) => m.text?.includes(orderId));
    expect(mails).toHaveLength(1);
    expect(fulfilledOf(orderId)).toHaveLength(1);
    const pool = await api<{ available: number }>(system.pool, 'GET', `/pools/${product.poolId}`);
    expect(pool.available).toBe(7);
  });

  it('sends malformed OrderPaid messages to the DLQ with a reason and still fulfils the next valid order', async () => {
    const product = await stockedProduct(2);
    const bad = orderPaid(merchantId, [{ productId: product.productId, quantity: 1 }]);
    const malformed: { value: string; expect: RegExp }[] = [
      { value: 'not json at all', expect: /not valid JSON/ },
      { value: JSON.stringify(orderPaidEvent({ ...bad, items: [] })), expect: /items/ },
      { value: JSON.stringify(orderPaidEvent({ ...bad, items: [{ ...bad.items[0], quantity: 0 }] })), expect: /quantity/ },
      { value: JSON.stringify(orderPaidEvent({ ...bad, currency: 42 as unknown as string })), expect: /currency/ },
      { value: JSON.stringify({ ...orderPaidEvent(bad), specversion: '0.3' }), expect: /specversion/ },
      { value: JSON.stringify({ ...orderPaidEvent(bad), type: 'OrderRefunded' }), expect: /type/ },
    ];
    const before = dlq.messages.length;
    await produce(
      system.kafka,
      system.topics.orderPaid,
      malformed.map((m) => ({ key: bad.orderId, value: m.value })),
    );
    const good = orderPaidEvent({ ...bad, orderId: uniqueName('ord') });
    await produce(system.kafka, system.topics.orderPaid, [{ key: bad.orderId, value: JSON.stringify(good) }]);

    await waitForOrderStatus(good.data.orderId, 'fulfilled');
    await dlq.waitForCount(before + malformed.length);
    const reasons = dlq.messages.slice(before).map((m: KafkaMessage) => headerText(m, 'dlq-reason') ?? '');
    malformed.forEach((m, i) => expect(reasons[i]).toMatch(m.expect));
  });

  it('keeps an order awaiting stock while its pool is empty and fulfils it after an import, with no manual step', async () => {
    const product = await stockedProduct(0);
    const event = await pay([{ productId: product.productId, quantity: 2 }]);
    const { orderId } = event.data;
    await waitUntil(async () => (await order(orderId).catch(() => undefined))?.lines[0]?.status === 'awaiting_stock', 30000, 'awaiting_stock');
    await importLicenses(product.poolId, 2);
    await waitForOrderStatus(orderId, 'fulfilled');
  });

  it("shows the checkout's order page the license the pool served, for products shown on it only, and no other service lets the checkout in", async () => {
    const shown = await stockedProduct(0);
    const value = uniqueName('PAGEKEY').toUpperCase();
    await api(system.pool, 'POST', `/pools/${shown.poolId}/licenses`, { text: value, expect: 200 });
    await api(system.fulfillment, 'PUT', `/merchants/${merchantId}/products/${shown.productId}/delivery`, {
      json: { rule: 'per_unit', showOnOrderPage: true },
    });
    const hidden = await stockedProduct(1);
    const { orderId } = (
      await pay([
        { productId: shown.productId, quantity: 1 },
        { productId: hidden.productId, quantity: 1 },
      ])
    ).data;
    await waitForOrderStatus(orderId, 'fulfilled');

    const page = await api<{ lines: { lineId: string; licenses: { value: string }[] }[] }>(system.fulfillment, 'GET', `/orders/${orderId}/order-page`, {
      key: TEST_CHECKOUT_KEY,
    });
    expect(page.lines.map((l) => [l.lineId, l.licenses.map((x) => x.value)])).toEqual([['1', [value]]]);
    await api(system.fulfillment, 'GET', `/orders/${orderId}`, { key: TEST_CHECKOUT_KEY, expect: 403 });
    await api(system.pool, 'GET', `/pools/${shown.poolId}`, { key: TEST_CHECKOUT_KEY, expect: 403 });
    await api(system.notification, 'GET', `/merchants/${merchantId}/email-text`, { key: TEST_CHECKOUT_KEY, expect: 403 });
  });

  it('resends a line as exactly one more e-mail and fulfils the order only once', async () => {
    const product = await stockedProduct(3);
    const event = await pay([{ productId: product.productId, quantity: 1 }]);
    const { orderId } = event.data;
    await waitForOrderStatus(orderId, 'fulfilled');
    const mailsFor = async () => (await system.sink.messages()).filter((m) => m.text?.includes(orderId));
    expect(await mailsFor()).toHaveLength(1);

    await api(system.fulfillment, 'POST', `/orders/${orderId}/lines/1/resend`, { json: {}, expect: 202 });
    await waitUntil(async () => (await mailsFor()).length === 2, 30000, 'the resent e-mail');
    const marker = await pay([{ productId: product.productId, quantity: 1 }]);
    await waitForOrderStatus(marker.data.orderId, 'fulfilled');
    expect(await mailsFor()).toHaveLength(2);
    expect(fulfilledOf(orderId)).toHaveLength(1);
  });

  it('serves a test purchase from the test pool only, never from live stock', async () => {
    const live = await stockedProduct(2);
    const testPool = await api<{ id: string }>(system.pool, 'POST', '/pools', {
      json: { merchantId, productId: live.productId, threshold: 0, mode: 'test' },
      expect: 201,
    });
    await importLicenses(testPool.id, 1);
    const customer = { ...orderPaid(merchantId, []).customer, email: `${uniqueName('test-buyer')}@example.com`, locale: 'de-AT' };
    const event = await pay([{ productId: live.productId, quantity: 1 }], { test: true, customer });
    await waitForOrderStatus(event.data.orderId, 'fulfilled');
    const stock = async (poolId: string) => api<{ available: number; allocated: number }>(system.pool, 'GET', `/pools/${poolId}`);
    expect(await stock(testPool.id)).toMatchObject({ available: 0, allocated: 1 });
    expect(await stock(live.poolId)).toMatchObject({ available: 2, allocated: 0 });
    // The mode and the locale travel with the order to its e-mail: marked as a test, in German.
    const [mail] = await system.sink.messages(customer.email);
    expect(mail.subject).toMatch(/^\[TEST\] Ihre Lizenz für /);
    expect(mail.text).toMatch(/^TESTKAUF: .*\n\nHallo Ann,\n/);
  });

  /** The support CLI as support runs it: its own process, talking to the services over HTTP and Kafka. */
  async function support(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      ...process.env,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      TOPIC_LICENSE_ALLOCATED: system.topics.licenseAllocated,
      TOPIC_POOL_LOW: system.topics.poolLow,
      FULFILLMENT_URL: system.fulfillment.url,
      KEYPOOL_API_KEY: keys.support,
    };
    const cli = join(__dirname, '../apps/support-cli/src/main.ts');
    return promisify(execFile)(process.execPath, ['-r', '@swc-node/register', cli, ...args], { cwd: join(__dirname, '..'), env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  }

  it('lets support look an order up, resend it and replay its e-mail with the CLI: one more e-mail each, fulfilled once', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const product = await stockedProduct(2);
    const event = await pay([{ productId: product.productId, quantity: 1 }]);
    const { orderId } = event.data;
    await waitForOrderStatus(orderId, 'fulfilled');
    const mailsFor = async () => (await system.sink.messages()).filter((m) => m.text?.includes(orderId));
    expect(await mailsFor()).toHaveLength(1);

    const found = await support('orders', '--merchant', merchantId, '--email', event.data.customer.email.toUpperCase(), '--max', '500');
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(new RegExp(`^${orderId}  fulfilled `, 'm'));
    const looked = await support('order', orderId);
    expect(looked.code).toBe(0);
    expect(JSON.parse(looked.stdout)).toMatchObject({ orderId, status: 'fulfilled' });
    expect(await support('order', 'ord_nobody_has')).toMatchObject({ code: 1, stderr: expect.stringContaining('order-fulfillment answered 404') });

    expect((await support('resend', orderId)).code).toBe(0);
    await waitUntil(async () => (await mailsFor()).length === 2, 30000, 'the e-mail resent through order-fulfillment');

    const dryRun = await support('replay', '--since', since, '--order', orderId);
    expect(dryRun).toMatchObject({ code: 0, stdout: expect.stringContaining('would publish (dry run') });
    expect(dryRun.stdout).toContain(`order ${orderId} line 1`);
    const replayed = await support('replay', '--since', since, '--order', orderId, '--publish');
    expect(replayed).toMatchObject({ code: 0, stdout: expect.stringContaining('1 resend(s) published') });
    await waitUntil(async () => (await mailsFor()).length === 3, 30000, 'the replayed e-mail');
    const [original] = (await mailsFor()).filter((m) => !m.custom_args?.['keypool_resend_of']);
    const resends = (await mailsFor()).filter((m) => m.custom_args?.['keypool_resend_of'] === original.custom_args?.['keypool_event_id']);
    expect(resends).toHaveLength(2);

    const marker = await pay([{ productId: product.productId, quantity: 1 }]);
    await waitForOrderStatus(marker.data.orderId, 'fulfilled');
    expect(await mailsFor()).toHaveLength(3);
    expect(fulfilledOf(orderId)).toHaveLength(1);
    expect((await support('replay', '--since', 'last tuesday')).code).toBe(2);
    // Seven CLI processes, each compiling the CLI with swc at start: about 20 s on a quiet machine.
  }, 180_000);

  it("tells the alert contacts and support's alerts tail when a pool goes low: by its name, product and mode, with what to do and its console page", async () => {
    const contact = `${uniqueName('ops')}@acme.example`;
    await api(system.notification, 'PUT', `/merchants/${merchantId}/alert-contacts`, { json: { emails: [contact] }, expect: 200 });
    const productId = uniqueName('p');
    const pool = await api<{ id: string }>(system.pool, 'POST', '/pools', {
      json: { merchantId, productId, threshold: 2, mode: 'live', name: 'Editor e2e' },
      expect: 201,
    });
    await importLicenses(pool.id, 3);
    await api(system.fulfillment, 'PUT', `/merchants/${merchantId}/products/${productId}/delivery`, { json: { rule: 'per_unit', showOnOrderPage: false } });
    const since = new Date(Date.now() - 1000).toISOString();
    await pay([{ productId, quantity: 2 }]);

    await waitUntil(async () => (await system.sink.messages(contact)).length > 0, 45000, 'the PoolLow e-mail');
    const [mail] = await system.sink.messages(contact);
    expect(mail.subject).toBe(`Pool low: Editor e2e (live, ${productId}), 1 left`);
    expect(mail.text).toContain('Your live license pool "Editor e2e" is running low: 1 license left, below its alert threshold of 2.');
    expect(mail.text).toContain(`on its page in the console: http://localhost:3004/pools/${pool.id}`);

    const tail = await support('alerts', 'tail', '--since', since, '--merchant', merchantId, '--max', '1');
    expect(tail.code).toBe(0);
    expect(tail.stdout).toMatch(
      new RegExp(`^\\S+  LOW    "Editor e2e"  live  product ${productId}  currency all  stock 1 / threshold 2  merchant ${merchantId}  pool ${pool.id}\n$`),
    );
  });
});
