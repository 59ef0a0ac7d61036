// The inbox in a real browser: the refresh script (allowed by the CSP nonce)
// must pick up a newly sent e-mail, and the e-mail's HTML must render inside
// its sandbox without running the e-mail's own script.
import { chromium, type Browser } from 'playwright-core';
import { mailServiceForSink } from './sendgrid-client-for-sink';
import { startSinkServer, type RunningSink } from './sink';

const API_KEY = 'SG.browser-key';

describe('inbox page in Chromium', () => {
  let sink: RunningSink;
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(() => browser.close());
  beforeEach(async () => {
    sink = await startSinkServer({ apiKey: API_KEY });
  });
  afterEach(() => sink.close());

  it('shows an e-mail sent after the page was opened, with its HTML rendered in the sandbox', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(sink.url);
    await page.getByText('No e-mails yet').waitFor();

    await mailServiceForSink(sink.url, API_KEY).send({
      to: 'buyer@example.com',
      from: 'licenses@keypool.test',
      subject: 'Your key <script>',
      text: 'Key: AAAA-BBBB',
      html: '<p id="key">Key: <b>AAAA-BBBB</b></p><script>document.body.textContent = "pwned"</script>',
    });

    // No reload from the test: the page's own 2-second refresh must bring it in.
    const subject = page.getByRole('heading', { name: 'Your key <script>' });
    await subject.waitFor({ timeout: 10_000 });
    await page.getByText('buyer@example.com').waitFor();
    const frame = page.frameLocator('iframe[title^="HTML part"]');
    await frame.locator('#key').waitFor();
    expect(await frame.locator('#key').textContent()).toBe('Key: AAAA-BBBB');
    expect(await page.title()).toBe('Local SendGrid inbox (1)');
    // Only the e-mail's blocked script may have complained (sandbox without allow-scripts).
    expect(pageErrors.filter((text) => !/sandboxed|allow-scripts/i.test(text))).toEqual([]);
    await page.close();
  });
});
