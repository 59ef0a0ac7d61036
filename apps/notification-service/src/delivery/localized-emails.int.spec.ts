import request from 'supertest';
import type { EmailSentData } from '@keypool/contracts';
import type { Envelope } from '@keypool/messaging';
import { SinkMessage, SinkProcess, TEST_KEYS, TopicReader, uniqueName, waitUntil } from '@keypool/testing';
import { RunningService, kafka, licenseAllocated, publish, startNotificationService } from '../../test/harness';
import { PLATFORM_WORDING } from '../templates/platform-wording';

/**
 * The customer's language, the merchant's voice and test purchases, from LicenseAllocated on the
 * real broker through PostgreSQL to the SendGrid sink: the e-mails are published once, together,
 * and each case reads its own from the sink.
 */
describe("license e-mails in the customer's language, from the merchant's name", () => {
  let sink: SinkProcess;
  let service: RunningService;
  let sent: TopicReader;
  const acme = { Authorization: `Bearer ${TEST_KEYS.acme}` };
  const globex = { Authorization: `Bearer ${TEST_KEYS.globex}` };
  const orders = {
    de: uniqueName('ord_de'),
    ru: uniqueName('ord_ru'),
    xx: uniqueName('ord_xx'),
    deAt: uniqueName('ord_deat'),
    test: uniqueName('ord_test'),
    live: uniqueName('ord_live'),
    globex: uniqueName('ord_globex'),
  };
  const mails = new Map<string, SinkMessage>();
  const mailOf = (key: keyof typeof orders): SinkMessage => {
    const mail = mails.get(orders[key]);
    if (!mail) throw new Error(`no e-mail for ${key}`);
    return mail;
  };

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_locales', sink);
    sent = await TopicReader.open(kafka, service.topics.emailSent);
    const put = (path: string, body: object, as = acme) => request(service.url).put(path).set(as).send(body).expect(200);
    await put('/v1/merchants/m_acme/email-text', { text: 'Thanks from Acme: {KEY}', merchantName: 'Acme Software' });
    await put('/v1/merchants/m_acme/products/p_lang/email-text?locale=de', {
      subject: 'Ihre Schlüssel für {PROGRAM_SHORT}',
      text: 'Danke, {FNAME}! Ihre Schlüssel:\n{KEY}',
    });
    await put('/v1/merchants/m_acme/sender', { senderName: 'Acme Software', replyTo: 'support@acme.example' });
    await put('/v1/merchants/m_globex/email-text', { text: 'Globex: {KEY}' }, globex);

    const line = (orderId: string, locale: string | null, extra: { productId?: string; merchantId?: string; test?: boolean } = {}) => {
      const productId = extra.productId ?? 'p_editor';
      return licenseAllocated({
        orderId,
        merchantId: extra.merchantId ?? 'm_acme',
        productId,
        test: extra.test ?? false,
        customer: { email: `${orderId}@example.com`, firstName: 'Ann', lastName: 'Lee', locale },
        item: {
          lineId: '1',
          productId,
          productName: 'Photo Editor Pro 2026',
          productShortName: 'Photo Editor Pro',
          quantity: 1,
          unitPrice: '19.99',
          lineTotal: '19.99',
        },
        licenses: [{ licenseId: `lic_${orderId}`, value: `KEY-${orderId}` }],
      });
    };
    const events = [
      line(orders.de, 'de'),
      line(orders.ru, 'ru-RU'),
      line(orders.xx, 'xx'),
      line(orders.deAt, 'de-AT', { productId: 'p_lang' }),
      line(orders.test, 'en', { test: true }),
      line(orders.live, 'en'),
      line(orders.globex, 'en', { merchantId: 'm_globex' }),
    ];
    await Promise.all(events.map((event) => publish(service.topics.licenseAllocated, event.data.orderId, event)));
    const ids = new Set(Object.values(orders));
    await waitUntil(() => sent.values<Envelope<EmailSentData>>().filter((e) => ids.has(e.data.orderId)).length === ids.size, 30000, `${ids.size} EmailSent`);
    for (const orderId of ids) {
      const [mail, ...more] = await sink.messages(`${orderId}@example.com`);
      expect(more).toEqual([]);
      mails.set(orderId, mail);
    }
    // Starting the service and a sink on two busy cores takes most of this; a third of the timeout.
  }, 120_000);
  afterAll(async () => {
    await sent?.close();
    await service?.stop();
    await sink?.stop();
  });

  it('writes the platform template in German for a de customer, around the merchant text it has', () => {
    const mail = mailOf('de');
    expect(mail.subject).toBe(`Ihre Lizenz für Photo Editor Pro 2026 (Bestellung ${orders.de})`);
    expect(mail.text).toContain(`Hallo Ann,\n\nThanks from Acme: KEY-${orders.de}\n\nBestelldetails\nBestellung: ${orders.de}\n`);
    expect(mail.text).toContain('Datum: 29. November 2026\nSumme: 19,99\u00a0€\n');
    expect(mail.text).toContain('— Ihr keypool-Team im Auftrag von Acme Software');
    expect(mail.html).toContain('<h3>Bestelldetails</h3>');
  });

  it('writes it in Russian for ru-RU', () => {
    const mail = mailOf('ru');
    expect(mail.subject).toBe(`Ваша лицензия на Photo Editor Pro 2026 (заказ ${orders.ru})`);
    expect(mail.text).toContain('Здравствуйте, Ann!\n');
    expect(mail.text).toContain(`Детали заказа\nЗаказ: ${orders.ru}\n`);
    expect(mail.text).toContain('— Команда keypool от имени Acme Software');
  });

  it('writes it in English for a locale it does not know', () => {
    const mail = mailOf('xx');
    expect(mail.subject).toBe(`Your license for Photo Editor Pro 2026 (order ${orders.xx})`);
    expect(mail.text).toContain(`Hello Ann,\n\nThanks from Acme: KEY-${orders.xx}\n\nOrder details\n`);
    expect(mail.text).toContain('— The keypool team on behalf of Acme Software');
  });

  it("uses the merchant's de text and subject for a de-AT customer", () => {
    const mail = mailOf('deAt');
    expect(mail.subject).toBe('Ihre Schlüssel für Photo Editor Pro');
    expect(mail.text).toContain(`Hallo Ann,\n\nDanke, Ann! Ihre Schlüssel:\nKEY-${orders.deAt}\n\nBestelldetails`);
  });

  it("sends from the platform's address under the merchant's sender name, with the merchant's reply-to", () => {
    for (const key of ['de', 'ru', 'xx', 'deAt', 'test', 'live'] as const) {
      expect(mailOf(key).from).toEqual({ email: 'licenses@keypool.local', name: 'Acme Software' });
      expect(mailOf(key).reply_to).toEqual({ email: 'support@acme.example' });
    }
    expect(mailOf('globex').from).toEqual({ email: 'licenses@keypool.local', name: 'keypool' });
    expect(mailOf('globex').reply_to).toBeNull();
  });

  it('marks a test purchase in the subject and the body, and a live one not', () => {
    const test = mailOf('test');
    expect(test.subject).toBe(`[TEST] Your license for Photo Editor Pro 2026 (order ${orders.test})`);
    expect(test.text?.startsWith(`${PLATFORM_WORDING.en.testBanner}\n\nHello Ann,`)).toBe(true);
    expect(test.html).toContain('class="test-banner"');
    const live = mailOf('live');
    expect(live.subject).toBe(`Your license for Photo Editor Pro 2026 (order ${orders.live})`);
    expect(live.text).not.toContain('TEST');
    expect(live.html).not.toContain('test-banner');
  });

  it('answers the sender settings and refuses a header injection with 422', async () => {
    const read = await request(service.url).get('/v1/merchants/m_acme/sender').set(acme).expect(200);
    expect(read.body).toEqual({
      merchantId: 'm_acme',
      senderName: 'Acme Software',
      replyTo: 'support@acme.example',
      from: '"Acme Software" <licenses@keypool.local>',
    });
    const refused = await request(service.url)
      .put('/v1/merchants/m_acme/sender')
      .set(acme)
      .send({ senderName: 'Acme\r\nBcc: all@example.com', replyTo: 'support@acme.example\nBcc: x@example.com' })
      .expect(422);
    expect(refused.body.details.errors).toHaveLength(2);
    expect(refused.body.message).toContain('senderName may not contain line breaks');
    const kept = await request(service.url).get('/v1/merchants/m_acme/sender').set(acme).expect(200);
    expect(kept.body).toEqual(read.body);
  });

  it('keeps texts per locale: GET and preview choose as a send does, a bad locale is a 400, DELETE falls back', async () => {
    const path = '/v1/merchants/m_acme/products/p_lang/email-text';
    const deAt = await request(service.url).get(`${path}?locale=de-AT`).set(acme).expect(200);
    expect(deAt.body).toMatchObject({ source: 'product', locale: 'de', subject: 'Ihre Schlüssel für {PROGRAM_SHORT}' });
    const anyLocale = await request(service.url).get(path).set(acme).expect(200);
    expect(anyLocale.body).toMatchObject({ source: 'merchant-default', locale: null, text: 'Thanks from Acme: {KEY}' });
    const preview = await request(service.url)
      .post(`${path}/preview?locale=de-CH`)
      .set(acme)
      .send({ order: { test: true } })
      .expect(200);
    expect(preview.body.subject).toBe('[TEST] Ihre Schlüssel für Photo Editor Pro');
    expect(preview.body.text).toContain('Hallo Ann,\n\nDanke, Ann!');
    const bad = await request(service.url)
      .get(`${path}?locale=${encodeURIComponent('de\r\nX')}`)
      .set(acme)
      .expect(400);
    expect(bad.body.message).toContain('locale is not a BCP 47 language tag');
    await request(service.url).delete(`${path}?locale=de`).set(acme).expect(204);
    const after = await request(service.url).get(`${path}?locale=de-AT`).set(acme).expect(200);
    expect(after.body).toMatchObject({
      source: 'merchant-default',
      text: 'Thanks from Acme: {KEY}',
      subject: 'Ihre Lizenz für {PROGRAM_NAME} (Bestellung {ORDER_ID})',
    });
  });
});
