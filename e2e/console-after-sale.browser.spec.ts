// The console's after-sale pages in Debian's Chromium, against the whole system (three services
// on the real broker and PostgreSQL, e-mail through the sink, the console as its own process):
// a pool's key format, uploads, recall and withdrawal by value; an order's refund; the ledger.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type OrderRefundedData, dataschemaOf } from '@keypool/contracts';
import { envelope } from '@keypool/messaging';
import { ConsoleProcess, produceCloudEvents, uniqueName, waitUntil } from '@keypool/testing';
import { orderPaid, orderPaidEvent, publishOrderPaid } from './support/orders';
import { type ConsoleSystem, startConsoleSystem } from './support/console-system';
import { RunningSystem, api, keys } from './support/system';

const artifacts = join(__dirname, 'artifacts');
const acme = 'm_acme';
const PATTERN = 'KF-[0-9]{4}-[A-Z]{3}';

interface OrderView {
  status: string;
  lines: { lineId: string; status: string; licenses: { licenseId: string }[] }[];
}

describe("the console's after-sale pages in Chromium (whole system, real broker and PostgreSQL)", () => {
  let system: RunningSystem;
  let consoleApp: ConsoleProcess;
  let running: ConsoleSystem | undefined;
  let browser: Browser;
  let context: BrowserContext;
  const productId = uniqueName('p_after');
  let poolId: string;
  /** Values matching PATTERN (each run has its own databases). */
  const keyValue = (n: number) => `KF-${String(n).padStart(4, '0')}-VND`;
  const batchA = [1, 2, 3, 4].map(keyValue);
  const batchB = [5, 6, 7].map(keyValue);
  let soldOrderId: string;
  let soldLicenseId: string;
  /** The sold license's value, read through the audited reveal, to look it up by. */
  let soldValue: string;
  const requestedUrls: string[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    ({ system, consoleApp, browser } = running = await startConsoleSystem('console-after-sale'));
    poolId = (
      await api<{ id: string }>(system.pool, 'POST', '/pools', {
        key: keys.acme,
        json: { name: 'Vendor keys', productId, threshold: 0, mode: 'live', refundPolicy: 'revoke' },
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
    page.on('request', (request) => requestedUrls.push(request.url()));
    await page.goto(consoleApp.url);
    await page.locator('#api-key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who-text').waitFor();
    return page;
  }

  async function openPoolPage(page: Page): Promise<void> {
    await page.locator(`article.pool[data-pool-id="${poolId}"] a.pool-page`).click();
    await page.getByRole('heading', { name: 'Pool Vendor keys' }).waitFor();
  }

  const order = (orderId: string) => api<OrderView>(system.fulfillment, 'GET', `/orders/${orderId}`, { expect: 200 }).catch(() => undefined);
  const pool = () => api<{ available: number; keyPattern: string | null }>(system.pool, 'GET', `/pools/${poolId}`, { key: keys.acme });
  async function payAndWait(quantity: number): Promise<OrderView & { orderId: string }> {
    const event = orderPaidEvent(orderPaid(acme, [{ productId, quantity }]));
    await publishOrderPaid(system.kafka, system.topics.orderPaid, event);
    const { orderId } = event.data;
    await waitUntil(async () => (await order(orderId))?.status === 'fulfilled', 45000, `order ${orderId} fulfilled`);
    return { ...(await order(orderId))!, orderId };
  }

  it('shows the key format, saves one, and tries it on a file without importing anything', async () => {
    const page = await signIn(keys.acme);
    await openPoolPage(page);
    await page.locator('#key-format-current').getByText('No key format').waitFor();

    await page.locator('#key-pattern').fill(PATTERN);
    await page.getByRole('button', { name: 'Save format' }).click();
    await page.locator('#key-format-flash').getByText('Key format saved.').waitFor();
    expect(await page.locator('#key-format-current code').textContent()).toBe(PATTERN);
    expect((await pool()).keyPattern).toBe(PATTERN);

    const file = [keyValue(9001), keyValue(9002), 'serial,key', '', keyValue(9003)].join('\n');
    await page.locator('#try-file').setInputFiles({ name: 'vendor.csv', mimeType: 'text/plain', buffer: Buffer.from(`${file}\n`) });
    await page.getByRole('button', { name: 'Try' }).click();
    await page.locator('#key-format-trial').getByText(`${PATTERN}: 3 match, 1 do not (line 3), 1 blank, 0 not a license. Nothing was imported.`).waitFor();
    expect((await pool()).available).toBe(0);

    // A file over the console's 1 MiB is tried on its first lines, and the page says so.
    const big = Array.from({ length: 120000 }, (_, i) => keyValue(i % 10000)).join('\n');
    await page.locator('#try-file').setInputFiles({ name: 'big.txt', mimeType: 'text/plain', buffer: Buffer.from(big) });
    await page.getByRole('button', { name: 'Try' }).click();
    const sampled = page.locator('#key-format-trial').getByText(/Only the first \d+ of 120000 lines were tried/);
    await sampled.waitFor();
    const [, matching, tried] = /: (\d+) match, 0 do not.*Only the first (\d+) of/.exec((await sampled.textContent()) ?? '') ?? [];
    expect(Number(matching)).toBe(Number(tried));
    expect(Number(tried)).toBeGreaterThan(50000);
  }, 60000);

  it('lists uploads with label and counts, names the rejected lines, and recalls one: unsold withdrawn, sold with their orders', async () => {
    expect((await pool()).keyPattern).toBe(PATTERN);
    const text = [batchA[0], batchA[1], 'truncated-KF-00', batchA[2], batchA[3]].join('\n');
    const report = await api<{ uploadId: string; added: number; rejected: { lines: { line: number; reason: string }[] } }>(
      system.pool,
      'POST',
      `/pools/${poolId}/licenses?label=${encodeURIComponent('vendor batch 7')}`,
      { key: keys.acme, text },
    );
    expect(report).toMatchObject({ added: 4, rejected: { lines: [{ line: 3, reason: 'format' }] } });
    const sold = await payAndWait(1);
    soldOrderId = sold.orderId;
    soldLicenseId = sold.lines[0].licenses[0].licenseId;

    const page = await signIn(keys.acme);
    await openPoolPage(page);
    const row = page.locator(`table.uploads tr[data-upload-id="${report.uploadId}"]`);
    expect(await row.locator('.label').textContent()).toBe('vendor batch 7');
    expect(await row.locator('.added').textContent()).toBe('4');
    expect(await row.locator('.rejected').textContent()).toBe('1');

    await row.getByRole('button', { name: 'Report' }).click();
    const rejected = page.locator('#upload-report table.rejected-lines tbody tr');
    await rejected.first().waitFor();
    expect(await rejected.allTextContents()).toEqual(['3format']);

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Recall' }).click();
    const result = page.locator('#recall-result');
    await result.getByText('Recalled "vendor batch 7": 3 withdrawn, 1 already sold.').waitFor();
    expect(await result.locator(`li[data-license-id="${soldLicenseId}"] a.order-link`).textContent()).toBe(soldOrderId);
    expect(await row.locator('.recalled').textContent()).not.toBe('—');
    expect((await pool()).available).toBe(0);
    await page.locator('#pool-stock').getByText('0 available · 1 allocated · 3 withdrawn').waitFor();
    expect(await page.locator('#page').textContent()).not.toContain('null');
    await page.screenshot({ path: join(artifacts, 'console-pool-uploads.png'), fullPage: true });
  }, 90000);

  it('withdraws by value from a textarea: sent once in a POST body, never shown again, the unknown named by line', async () => {
    await api(system.pool, 'POST', `/pools/${poolId}/licenses?label=batch-8`, { key: keys.acme, text: batchB.join('\n') });
    const page = await signIn(keys.acme);
    await openPoolPage(page);
    const unknown = keyValue(9999);
    await page.locator('#withdraw-values').fill([batchB[0], '', batchB[1], unknown].join('\n'));
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Withdraw' }).click();
    await page.locator('#withdraw-result').getByText('2 withdrawn, 0 withdrawn before, 0 already sold, 1 not found in this pool (line 4).').waitFor();
    expect(await page.locator('#withdraw-values').inputValue()).toBe('');
    const html = await page.content();
    for (const value of [...batchB, unknown]) expect(html).not.toContain(value);
    expect((await pool()).available).toBe(1);
  }, 60000);

  it("shows an order's refund: refunded, and what happened to each line's licenses", async () => {
    // batch-8's last license goes to this order; the pool's policy revokes it on refund.
    const refunded = await payAndWait(1);
    const licenseId = refunded.lines[0].licenses[0].licenseId;
    const data: OrderRefundedData = {
      orderId: refunded.orderId,
      merchantId: acme,
      lineIds: null,
      reason: 'customer_request',
      refundedAt: new Date().toISOString(),
    };
    await produceCloudEvents(system.kafka, system.topics.orderRefunded, refunded.orderId, [
      envelope({ type: 'OrderRefunded', source: 'e2e/checkout', dataschema: dataschemaOf('OrderRefunded'), data }),
    ]);
    await waitUntil(
      async () => (await api<{ status: string }>(system.pool, 'GET', `/licenses/${licenseId}`, { key: keys.acme })).status === 'revoked',
      45000,
      'the license revoked',
    );
    await waitUntil(async () => (await order(refunded.orderId))?.status === 'refunded', 30000, 'the order refunded');

    const page = await signIn(keys.acme);
    await page.goto(`${consoleApp.url}/orders/${refunded.orderId}`);
    const refund = page.locator('#order-refund');
    await refund.getByRole('heading', { name: 'Refunded' }).waitFor();
    await refund.locator('li[data-line-id="1"]').getByText('(customer_request) · 1 license revoked').waitFor();
    // Absent parts (a merchant has no Resend button) leave nothing behind, not the text "null".
    expect(await page.locator('#order-result').textContent()).not.toContain('null');
    await page.screenshot({ path: join(artifacts, 'console-order-refund.png'), fullPage: true });
  }, 90000);

  it('finds a license by its value and shows its story from the ledger; its id opens the same page', async () => {
    expect(soldLicenseId).toBeDefined();
    const revealed = await api<{ value: string }>(system.pool, 'POST', `/pools/${poolId}/licenses/${soldLicenseId}/reveal`, {
      key: keys.acme,
      json: { reason: 'ticket 4711: key reported as already in use' },
    });
    soldValue = revealed.value;
    const page = await signIn(keys.acme);
    await page.getByRole('link', { name: 'Licenses' }).click();
    await page.locator('#license-value').fill(revealed.value);
    await page.getByRole('button', { name: 'Look up' }).click();
    const ledger = page.locator(`#license-result .ledger[data-license-id="${soldLicenseId}"]`);
    await ledger.waitFor();
    expect(await page.locator('#license-value').inputValue()).toBe('');
    expect(await page.content()).not.toContain(revealed.value);
    expect(await ledger.locator('a.order-link').first().textContent()).toBe(soldOrderId);
    const kinds = await ledger.locator('table.license-history td.kind').allTextContents();
    expect(kinds.slice(0, 2)).toEqual(['imported', 'allocated']);
    expect(kinds).toContain('revealed');
    expect(await ledger.locator('tr[data-kind="imported"]').textContent()).toContain('vendor batch 7');

    await page.goto(`${consoleApp.url}/licenses/${soldLicenseId}`);
    await page.locator(`#license-result .ledger[data-license-id="${soldLicenseId}"] tr[data-kind="allocated"]`).waitFor();
    await page.screenshot({ path: join(artifacts, 'console-license.png'), fullPage: true });
  }, 60000);

  it("lets support open any merchant's pool page and find a license by value within a named merchant", async () => {
    expect(soldValue).toBeDefined();
    const page = await signIn(keys.support);
    await page.goto(`${consoleApp.url}/#pool?id=${poolId}`);
    await page.locator('#pool-stock').getByText(`${acme} · ${productId}`).waitFor();
    await page.getByRole('link', { name: 'Licenses' }).click();
    await page.locator('#license-value').fill(soldValue);
    await page.locator('#license-merchant').fill(acme);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator(`#license-result .ledger[data-license-id="${soldLicenseId}"] .license-facts`).getByText(`merchant ${acme}`).waitFor();
    expect(await page.content()).not.toContain(soldValue);
  }, 60000);

  it("keeps another merchant out: globex can open neither acme's pool page nor its license", async () => {
    const page = await signIn(keys.globex);
    await page.goto(`${consoleApp.url}/#pool?id=${poolId}`);
    await page.locator('#page .error').waitFor();
    expect(await page.locator('#key-format-current').count()).toBe(0);
    const answers = await page.evaluate(
      async ({ pool, license }) => {
        const post = (path: string, body: unknown) =>
          fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-keypool-console': '1' }, body: JSON.stringify(body) }).then(
            (r) => r.status,
          );
        return {
          uploads: (await fetch(`/api/pools/${pool}/uploads`)).status,
          history: (await fetch(`/api/licenses/${license}/history`)).status,
          withdraw: await post(`/api/pools/${pool}/licenses/withdraw`, { values: ['KF-0000-AAA'] }),
          keyFormat: await post(`/api/pools/${pool}/key-format`, { keyPattern: null }),
        };
      },
      { pool: poolId, license: soldLicenseId },
    );
    expect(answers).toEqual({ uploads: 404, history: 404, withdraw: 404, keyFormat: 404 });
    expect((await pool()).keyPattern).toBe(PATTERN);
  });

  it('put no license value in a URL, and none and no API key in the console log', () => {
    const values = [...batchA, ...batchB, soldValue];
    expect(requestedUrls.length).toBeGreaterThan(0);
    for (const url of requestedUrls) for (const value of values) expect(url).not.toContain(value);
    const log = readFileSync(consoleApp.logFile, 'utf8');
    for (const secret of [...Object.values(keys), ...values]) expect(log).not.toContain(secret);
  });
});
