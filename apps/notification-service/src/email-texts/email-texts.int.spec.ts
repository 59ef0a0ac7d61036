import request from 'supertest';
import { SinkProcess, TEST_KEYS } from '@keypool/testing';
import { RunningService, startNotificationService } from '../../test/harness';

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

    await request(service.url)
      .put('/v1/merchants/m_acme/email-text')
      .set(acme)
      .send({ text: 'From Acme: {KEY}', merchantName: 'Acme Software' })
      .expect(200);
    const viaDefault = await request(service.url).get('/v1/merchants/m_acme/products/p_fallback/email-text').set(acme).expect(200);
    expect(viaDefault.body).toMatchObject({ source: 'merchant-default', text: 'From Acme: {KEY}', merchantName: 'Acme Software' });

    const saved = await request(service.url)
      .put('/v1/merchants/m_acme/products/p_fallback/email-text')
      .set(acme)
      .send({ subject: 'Keys for {PROGRAM_SHORT}', text: 'Line one\r\n{KEY}' })
      .expect(200);
    expect(saved.body).toMatchObject({ merchantId: 'm_acme', productId: 'p_fallback', source: 'product', text: 'Line one\n{KEY}', subject: 'Keys for {PROGRAM_SHORT}' });
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
    expect(wrongType.body.message).toContain('text is required');
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
      .send({ text: 'Hi {FNAME} from {CITY}: {KEY}', order: { customer: { firstName: 'Zoë', address: { city: null } }, licenses: ['https://dl.example.com/k1'] } })
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
});
