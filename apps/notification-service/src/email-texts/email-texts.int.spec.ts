import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { SinkProcess, TEST_KEYS } from '@keypool/testing';
import { RunningService, startNotificationService } from '../../test/harness';
import { EmailRenderRefused, renderLicenseEmail } from '../templates/license-email';
import { MerchantTextTemplates } from '../templates/merchant-text-template';
import { SAMPLE_ORDER } from '../templates/sample-order';

/** Jest runs without --expose-gc; V8 can still hand out its gc function at run time. */
function exposedGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/** How far RSS (sampled every 5 ms) and the heap grow while `work` runs, from a collected baseline. */
async function memoryGrowth(work: () => void | Promise<void>): Promise<{ rss: number; heapUsed: number }> {
  const collectGarbage = exposedGc();
  collectGarbage();
  const before = process.memoryUsage();
  let peak = before.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const after = process.memoryUsage();
  return { rss: Math.max(peak, after.rss) - before.rss, heapUsed: after.heapUsed - before.heapUsed };
}

// The whole hostile e-mail would have been hundreds of MB; refusing it may build one part of 1 Mi characters.
const FLAT = { rss: 64 * 1024 * 1024, heapUsed: 32 * 1024 * 1024 };

describe('merchant e-mail text API', () => {
  let sink: SinkProcess;
  let service: RunningService;
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const acme = as(TEST_KEYS.acme);

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_texts', sink);
  });
  afterAll(async () => {
    await service?.stop();
    await sink?.stop();
  });

  it('saves a product text and falls back to the merchant default, then the platform default', async () => {
    const before = await request(service.url).get('/v1/merchants/m_acme/products/p_fallback/email-text').set(acme).expect(200);
    expect(before.body).toMatchObject({ source: 'platform-default', text: expect.stringContaining('{KEY}'), updatedAt: null });

    await request(service.url).put('/v1/merchants/m_acme/email-text').set(acme).send({ text: 'From Acme: {KEY}', merchantName: 'Acme Software' }).expect(200);
    const viaDefault = await request(service.url).get('/v1/merchants/m_acme/products/p_fallback/email-text').set(acme).expect(200);
    expect(viaDefault.body).toMatchObject({ source: 'merchant-default', text: 'From Acme: {KEY}', merchantName: 'Acme Software' });

    const saved = await request(service.url)
      .put('/v1/merchants/m_acme/products/p_fallback/email-text')
      .set(acme)
      .send({ subject: 'Keys for {PROGRAM_SHORT}', text: 'Line one\r\n{KEY}' })
      .expect(200);
    expect(saved.body).toMatchObject({
      merchantId: 'm_acme',
      productId: 'p_fallback',
      source: 'product',
      text: 'Line one\n{KEY}',
      subject: 'Keys for {PROGRAM_SHORT}',
    });
    const read = await request(service.url).get('/v1/merchants/m_acme/products/p_fallback/email-text').set(acme).expect(200);
    expect(read.body).toEqual(saved.body);
  });

  it('answers 422 saying what is wrong and where', async () => {
    const noKey = await request(service.url).put('/v1/merchants/m_acme/products/p_x/email-text').set(acme).send({ text: 'Thanks!' }).expect(422);
    expect(noKey.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', message: 'text: must contain {KEY} where the licenses go' });

    const unknown = await request(service.url)
      .put('/v1/merchants/m_acme/products/p_x/email-text')
      .set(acme)
      .send({ text: 'Hi {FIRSTNAME},\n{KEY} {key}' })
      .expect(422);
    expect(unknown.body.message).toMatch(/^text 1:4: unknown tag \{FIRSTNAME\}; known tags: .*; text 2:7: unknown tag \{key\}; did you mean \{KEY\}\?$/);
    expect(unknown.body.details.errors).toEqual([
      { field: 'text', line: 1, column: 4, message: expect.stringContaining('{FIRSTNAME}') },
      { field: 'text', line: 2, column: 7, message: expect.stringContaining('{key}') },
    ]);

    const unclosed = await request(service.url).put('/v1/merchants/m_acme/email-text').set(acme).send({ text: '{KEY}\n\nSee {URL for help' }).expect(422);
    expect(unclosed.body.message).toBe('text 3:5: unclosed brace "{": close the tag with "}" on the same line (tags look like {KEY})');

    const wrongType = await request(service.url).put('/v1/merchants/m_acme/email-text').set(acme).send({ body: '{KEY}' }).expect(400);
    // The HTTP edge's wording (libs/platform/src/http/endpoint.ts): the field under body, then what is wrong.
    expect(wrongType.body.message).toBe('body.text: is required');
  });

  it("hides another merchant's texts and lets support see all", async () => {
    await request(service.url).put('/v1/merchants/m_globex/email-text').set(as(TEST_KEYS.globex)).send({ text: 'Globex secret wording {KEY}' }).expect(200);
    const hidden = await request(service.url).get('/v1/merchants/m_globex/email-text').set(acme).expect(404);
    expect(hidden.body.message).toBe('merchant m_globex not found');
    await request(service.url).put('/v1/merchants/m_globex/products/p/email-text').set(acme).send({ text: '{KEY}' }).expect(404);
    await request(service.url).post('/v1/merchants/m_globex/email-text/preview').set(acme).send({}).expect(404);
    const support = await request(service.url).get('/v1/merchants/m_globex/email-text').set(as(TEST_KEYS.support)).expect(200);
    expect(support.body.text).toBe('Globex secret wording {KEY}');
  });

  it('previews the saved text with sample data, or a draft with the order data given', async () => {
    await request(service.url)
      .put('/v1/merchants/m_acme/products/p_preview/email-text')
      .set(acme)
      .send({ text: 'Dear {FULLNAME} <3,\nyour {PROGRAM_NAME} ({QUANTITY} x {PRICE_ONE_DUPLICATE}):\n{KEY}' })
      .expect(200);
    const sample = await request(service.url).post('/v1/merchants/m_acme/products/p_preview/email-text/preview').set(acme).send({}).expect(200);
    expect(sample.body.subject).toBe('Your license for Photo Editor Pro 2026 (order ord_1001)');
    expect(sample.body.text).toContain('Dear Ann Lee <3,\nyour Photo Editor Pro 2026 (2 x 19.99 EUR):\nAAAA-BBBB-CCCC-DDDD\n');
    expect(sample.body.text).toContain('— The keypool team on behalf of Acme Software');
    expect(sample.body.html).toContain('Dear Ann Lee &lt;3,<br>');

    const draft = await request(service.url)
      .post('/v1/merchants/m_acme/products/p_preview/email-text/preview')
      .set(acme)
      .send({
        text: 'Hi {FNAME} from {CITY}: {KEY}',
        order: { customer: { firstName: 'Zoë', address: { city: null } }, licenses: ['https://dl.example.com/k1'] },
      })
      .expect(200);
    expect(draft.body.text).toContain('Hello Zoë,\n\nHi Zoë from : https://dl.example.com/k1\n');
    expect(draft.body.html).toContain('<a href="https://dl.example.com/k1">https://dl.example.com/k1</a>');

    const badDraft = await request(service.url).post('/v1/merchants/m_acme/email-text/preview').set(acme).send({ text: 'no key' }).expect(422);
    expect(badDraft.body.message).toContain('must contain {KEY}');
    const badOrder = await request(service.url)
      .post('/v1/merchants/m_acme/email-text/preview')
      .set(acme)
      .send({ order: { item: { quantity: 0 } } })
      .expect(400);
    expect(badOrder.body.message).toContain('order.item.quantity');
  });

  describe('limits', () => {
    const keyTimes = (n: number) => Array.from({ length: n }, () => '{KEY}').join('\n');

    it('refuses a text with {KEY} more than three times, or more than 100 tags, and saves nothing', async () => {
      await request(service.url)
        .put('/v1/merchants/m_acme/products/p_limits/email-text')
        .set(acme)
        .send({ text: keyTimes(3) })
        .expect(200);
      const fourKeys = await request(service.url)
        .put('/v1/merchants/m_acme/products/p_limits/email-text')
        .set(acme)
        .send({ text: keyTimes(4) })
        .expect(422);
      expect(fourKeys.body.message).toBe('text: uses {KEY} 4 times; the limit is 3, because each use repeats every license of the line');
      const manyTags = await request(service.url)
        .put('/v1/merchants/m_acme/products/p_limits/email-text')
        .set(acme)
        .send({ text: `{KEY}${'{FNAME}'.repeat(100)}` })
        .expect(422);
      expect(manyTags.body.message).toBe('text: has 101 tags (counting every "{"); the limit is 100');
      const kept = await request(service.url).get('/v1/merchants/m_acme/products/p_limits/email-text').set(acme).expect(200);
      expect(kept.body.text).toBe(keyTimes(3));
    });

    it('answers a hostile preview quickly with a short body: the size first, then at most 20 problems', async () => {
      const tooLong = await request(service.url)
        .post('/v1/merchants/m_acme/email-text/preview')
        .set(acme)
        .send({ text: '}\n'.repeat(15_000) })
        .expect(422);
      expect(tooLong.body.message).toBe('text: is 30000 characters long; the limit is 20000');

      const braces = await request(service.url)
        .post('/v1/merchants/m_acme/email-text/preview')
        .set(acme)
        .send({ text: `{KEY}${'}\n'.repeat(9_995)}` })
        .expect(422);
      expect(braces.body.details.errors).toHaveLength(21);
      expect(braces.body.message).toMatch(/; text: …and 9975 more problems; fix these first$/);
      expect(JSON.stringify(braces.body).length).toBeLessThan(10_000);

      const tooBig = await request(service.url)
        .post('/v1/merchants/m_acme/email-text/preview')
        .set(acme)
        .send({ text: `{KEY}${'x'.repeat(120_000)}` })
        .expect(413);
      expect(tooBig.body.message).toBe('The request body is over the limit of 100 kB for this endpoint; send less');
    });

    it('previews within the render limit, and refuses an e-mail that would outgrow it', async () => {
      // Escaping makes each "<" four characters in HTML: the largest growth a 100 kB request can ask for.
      const quotes = Array.from({ length: 45 }, () => '<'.repeat(2_048));
      const growth = await memoryGrowth(async () => {
        const refused = await request(service.url)
          .post('/v1/merchants/m_acme/email-text/preview')
          .set(acme)
          .send({ text: keyTimes(3), order: { licenses: quotes } })
          .expect(422);
        expect(refused.body.message).toBe(
          'e-mail not rendered: its HTML part would be longer than 1,048,576 characters, the limit per part; the line has 45 licenses ({KEY} used 3 times)',
        );
      });
      expect(growth.rss).toBeLessThan(FLAT.rss);
      expect(growth.heapUsed).toBeLessThan(FLAT.heapUsed);
      const once = await request(service.url)
        .post('/v1/merchants/m_acme/email-text/preview')
        .set(acme)
        .send({ text: '{KEY}', order: { licenses: quotes } })
        .expect(200);
      expect(once.body.html.length).toBeGreaterThan(45 * 2_048 * 4);
    });

    it('answers a preview of a stored text from before the limits at once, naming its problems, while memory stays flat', async () => {
      // Saved before the limits existed: {KEY} 4,000 times. With eight 2 kB links it rendered to 195 million characters.
      await service.app
        .get(DataSource)
        .query(`INSERT INTO email_texts (merchant_id, product_id, text) VALUES ('m_acme', 'p_legacy', $1)`, ['{KEY}'.repeat(4_000)]);
      const links = Array.from({ length: 8 }, (_, i) => `https://files.example.com/${i}/${'a'.repeat(2_020)}`);
      const growth = await memoryGrowth(async () => {
        const refused = await request(service.url)
          .post('/v1/merchants/m_acme/products/p_legacy/email-text/preview')
          .set(acme)
          .send({ order: { licenses: links } })
          .expect(422);
        expect(refused.body.message).toBe(
          'text: has 4000 tags (counting every "{"); the limit is 100; text: uses {KEY} 4000 times; the limit is 3, because each use repeats every license of the line',
        );
      });
      expect(growth.rss).toBeLessThan(FLAT.rss);
      expect(growth.heapUsed).toBeLessThan(FLAT.heapUsed);
    });

    it("refuses that stored text in the service's own renderer, the one sends use, while memory stays flat", async () => {
      const links = Array.from({ length: 8 }, (_, i) => ({ value: `https://files.example.com/${i}/${'a'.repeat(2_020)}` }));
      const templates = service.app.get(MerchantTextTemplates);
      const growth = await memoryGrowth(() => {
        const render = () =>
          renderLicenseEmail(
            templates,
            { ...SAMPLE_ORDER, licenses: links },
            { subject: null, text: '{KEY}'.repeat(4_000) },
            { merchantName: 'Acme', platformName: 'keypool' },
          );
        expect(render).toThrow(EmailRenderRefused);
      });
      expect(growth.rss).toBeLessThan(FLAT.rss);
      expect(growth.heapUsed).toBeLessThan(FLAT.heapUsed);
    });
  });
});
