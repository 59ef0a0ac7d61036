// The ops & support console in Debian's Chromium, against the whole system: three services
// on the real broker and PostgreSQL, e-mail through the SendGrid-compatible sink, and the
// console as its own process, as the demo runs it.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sendToDeadLetterTopic } from '@keypool/messaging';
import { ConsoleProcess, uniqueName, waitUntil } from '@keypool/testing';
import { orderPaid, orderPaidEvent, publishOrderPaid } from './support/orders';
import { type ConsoleSystem, startConsoleSystem } from './support/console-system';
import { RunningSystem, api, keys } from './support/system';

const artifacts = join(__dirname, 'artifacts');
const acme = 'm_acme';

interface OrderView {
  status: string;
  lines: { lineId: string; status: string }[];
}

describe('the console in Chromium (whole system, real broker and PostgreSQL)', () => {
  let system: RunningSystem;
  let consoleApp: ConsoleProcess;
  let running: ConsoleSystem | undefined;
  let browser: Browser;
  let context: BrowserContext;
  const productId = uniqueName('p_console');
  let acmePoolId: string;
  let globexPoolId: string;
  /** The order that takes the acme pool below its threshold; fulfilled before the resend test. */
  let lowOrderId: string;
  const customerEmail = `${uniqueName('buyer')}@example.com`;
  const licenseValues = Array.from({ length: 4 }, () => uniqueName('CONSOLE-KEY').toUpperCase());

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    ({ system, consoleApp, browser } = running = await startConsoleSystem('console'));
    // acme: 4 licenses, threshold 3, so an order of 2 takes it low. globex: a pool of its own.
    acmePoolId = (
      await api<{ id: string }>(system.pool, 'POST', '/pools', {
        key: keys.acme,
        json: { name: 'Photo Editor keys', productId, threshold: 3, mode: 'live' },
        expect: 201,
      })
    ).id;
    await api(system.pool, 'POST', `/pools/${acmePoolId}/licenses`, { key: keys.acme, text: licenseValues.join('\n'), expect: 200 });
    await api(system.pool, 'POST', '/pools', { key: keys.acme, json: { name: 'Photo Editor test keys', productId, threshold: 1, mode: 'test' }, expect: 201 });
    await api(system.fulfillment, 'PUT', `/merchants/${acme}/products/${productId}/delivery`, {
      key: keys.acme,
      json: { rule: 'per_unit', showOnOrderPage: false },
    });
    globexPoolId = (
      await api<{ id: string }>(system.pool, 'POST', '/pools', {
        key: keys.globex,
        json: { name: 'Globex secret pool', productId: uniqueName('p_globex'), threshold: 0 },
        expect: 201,
      })
    ).id;
  }, 240000);
  afterAll(() => running?.stop());
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  afterEach(() => context?.close());

  async function signIn(key: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(consoleApp.url);
    await page.locator('#api-key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who-text').waitFor();
    return page;
  }

  const pay = async (quantity: number, orderId?: string) => {
    const base = orderPaid(acme, [{ productId, quantity }]);
    const event = orderPaidEvent({ ...base, orderId: orderId ?? base.orderId, customer: { ...base.customer, email: customerEmail } });
    await publishOrderPaid(system.kafka, system.topics.orderPaid, event);
    return event.data.orderId;
  };
  const order = (orderId: string) => api<OrderView>(system.fulfillment, 'GET', `/orders/${orderId}`, { expect: 200 }).catch(() => undefined);

  it('signs in with a key, refuses an unknown one, and keeps the key out of the page and its cookie', async () => {
    const page = await context.newPage();
    await page.goto(consoleApp.url);
    await page.locator('#api-key').fill('not-a-known-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('this API key is not known').waitFor();

    await page.locator('#api-key').fill(keys.support);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who-text').getByText('support').waitFor();
    await page.locator('#pool-list').waitFor();
    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'keypool_console', httpOnly: true, sameSite: 'Strict' })]);
    expect(cookies[0].value).not.toContain(keys.support);
    expect(page.url()).not.toContain(keys.support);
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.locator('#api-key').inputValue()).toBe('');
  });

  it('shows a pool go low after orders: the badge on Pools and the PoolLow on Alerts', async () => {
    const page = await signIn(keys.acme);
    const card = page.locator(`article.pool[data-pool-id="${acmePoolId}"]`);
    await card.waitFor();
    expect(await card.getAttribute('data-level')).toBe('ok');
    expect(await card.locator('[data-badge]').count()).toBe(0);

    lowOrderId = await pay(2);
    await waitUntil(async () => (await order(lowOrderId))?.status === 'fulfilled', 30000, `order ${lowOrderId} fulfilled`);
    await page.locator('#refresh-pools').click();
    await card.locator('[data-badge="low"]').waitFor();
    expect(await card.locator('.stock').textContent()).toContain('2 available · threshold 3');
    // Live and test pools apart.
    expect(await page.locator('[data-mode="live"] article.pool').count()).toBe(1);
    expect(await page.locator('[data-mode="test"] article.pool').count()).toBe(1);

    // The address a PoolLow e-mail links to opens the pool with its consumption.
    await page.goto(`${consoleApp.url}/pools/${acmePoolId}`);
    // 2 taken within the pool's first hour: 48 a day at that rate, 2 left.
    await card.locator('.runs-out').getByText('Runs out within a day at the recent rate (48 a day').waitFor();
    expect(await card.locator('.chart canvas').count()).toBe(2);
    await page.screenshot({ path: join(artifacts, 'console-pools.png'), fullPage: true });

    await page.getByRole('link', { name: 'Alerts' }).click();
    const alert = page.locator(`table.alerts tr[data-pool-id="${acmePoolId}"]`);
    await alert.first().waitFor({ timeout: 20000 });
    expect(await alert.first().textContent()).toContain('2 / 3');
    await page.screenshot({ path: join(artifacts, 'console-alerts.png'), fullPage: true });
  }, 90000);

  it('finds an order by id and by customer e-mail, resends it, and the new e-mail arrives in the sink', async () => {
    expect(lowOrderId).toBeDefined();
    const before = (await system.sink.messages(customerEmail)).length;
    expect(before).toBe(1);
    const page = await signIn(keys.support);
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.locator('#customer-email').fill(customerEmail);
    await page.locator('#order-merchant').fill(acme);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('table.order-list').getByRole('link', { name: lowOrderId }).click();

    await page.locator('table.order-lines tr[data-line-id="1"] .line-status').getByText('delivered').waitFor();
    expect(await page.locator('table.order-emails tbody tr').count()).toBe(1);
    // Masked values only; the page never had a full license value.
    const html = await page.content();
    for (const value of licenseValues) expect(html).not.toContain(value);
    expect(html).toContain('…');

    await page.locator('tr[data-line-id="1"] button.resend-line').click();
    await page.locator('#order-flash').getByText('Resent 1 line(s): 1.').waitFor();
    await waitUntil(async () => (await system.sink.messages(customerEmail)).length === before + 1, 30000, 'the resent e-mail in the sink');
    // The page reloads the order: the resend is in its e-mail list once the service recorded it.
    const rows = page.locator('table.order-emails tbody tr');
    await rows.filter({ hasText: /sent\s*resend\s*sent \(/ }).waitFor({ timeout: 20000 });
    // The original, the resend as support asked for it, and the resend as sent.
    expect(await rows.count()).toBe(3);
    expect(await rows.filter({ hasText: 'resend_requested' }).count()).toBe(1);
    await page.screenshot({ path: join(artifacts, 'console-order.png'), fullPage: true });
  }, 90000);

  it('redrives a dead letter: the OrderPaid goes back to order-paid and becomes an order', async () => {
    // An OrderPaid a consumer gave up on, as the consumer would have dead-lettered it.
    const redrivenOrderId = uniqueName('ord_redrive');
    const base = orderPaid(acme, [{ productId, quantity: 1 }]);
    const event = orderPaidEvent({ ...base, orderId: redrivenOrderId, customer: { ...base.customer, email: customerEmail } });
    const producer = system.kafka.producer();
    await producer.connect();
    const message: KafkaMessage = {
      key: Buffer.from(redrivenOrderId),
      value: Buffer.from(JSON.stringify(event)),
      headers: { 'content-type': 'application/cloudevents+json' },
      offset: '424242',
      timestamp: String(Date.now()),
      attributes: 0,
    };
    await sendToDeadLetterTopic(producer, {
      topic: system.topics.orderPaid,
      partition: 0,
      message,
      groupId: 'order-fulfillment-service',
      reason: 'still failing after 5 attempts: Error: database timeout',
      attempts: 5,
    });
    await producer.disconnect();
    expect(await order(redrivenOrderId)).toBeUndefined();

    const page = await signIn(keys.support);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const row = page.locator(`table.dlq-depths tr[data-topic="${system.topics.orderPaid}.dlq"]`);
    expect(await row.locator('.depth').textContent()).toBe('1');
    await row.getByRole('button', { name: 'Records' }).click();
    const record = page.locator('table.dlq-list tbody tr');
    await record.first().waitFor();
    expect(await record.count()).toBe(1);
    expect(await record.first().textContent()).toContain(event.id);
    expect(await record.first().textContent()).toContain('database timeout');
    // Never the event's data: the customer's address stays out of the page.
    expect(await page.content()).not.toContain(customerEmail);

    page.once('dialog', (dialog) => void dialog.accept());
    await record.first().getByRole('button', { name: 'Redrive' }).click();
    await page.locator('#dlq-flash').getByText(`Redriven: 1 to ${system.topics.orderPaid}.`).waitFor();
    await waitUntil(async () => (await order(redrivenOrderId))?.status === 'fulfilled', 30000, `redriven order ${redrivenOrderId} fulfilled`);
  }, 90000);

  it("keeps a merchant to its own pools: globex sees neither acme's pool nor the dead letters", async () => {
    const page = await signIn(keys.globex);
    await page.locator(`article.pool[data-pool-id="${globexPoolId}"]`).waitFor();
    expect(await page.locator(`article.pool[data-pool-id="${acmePoolId}"]`).count()).toBe(0);
    expect(await page.locator('article.pool').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Dead letters' }).isVisible()).toBe(false);
    await page.goto(`${consoleApp.url}/pools/${acmePoolId}`);
    await page.getByText(`Pool ${acmePoolId} is not one this key can see.`).waitFor();
    expect(await page.locator(`article.pool[data-pool-id="${acmePoolId}"]`).count()).toBe(0);
    // Asked directly, with globex's session: the service answers 404, the console 403 for DLQs.
    const answers = await page.evaluate(async (poolId) => {
      const consumption = await fetch(`/api/pools/${poolId}/consumption`);
      const deadLetters = await fetch('/api/dead-letters');
      const alerts = (await (await fetch('/api/alerts')).json()) as { alerts: { merchantId: string }[] };
      return { consumption: consumption.status, deadLetters: deadLetters.status, alertMerchants: alerts.alerts.map((a) => a.merchantId) };
    }, acmePoolId);
    expect(answers).toEqual({ consumption: 404, deadLetters: 403, alertMerchants: [] });
  });

  it("writes no API key and no license value to the console's log, only who signed in by key id", () => {
    const log = readFileSync(consoleApp.logFile, 'utf8');
    expect(log).toMatch(/"msg":"signed in","keyId":"key_[0-9a-f]{12}","kind":"support"/);
    for (const secret of [...Object.values(keys), ...licenseValues]) expect(log).not.toContain(secret);
  });
});
