import request from 'supertest';
import { DataSource } from 'typeorm';
import type { EmailFailedData, EmailSentData } from '@keypool/contracts';
import type { Envelope } from '@keypool/messaging';
import { SinkProcess, TEST_KEYS, TopicReader, uniqueName, waitUntil } from '@keypool/testing';
import { RunningService, kafka, licenseAllocated, publish, startNotificationService } from '../../test/harness';

describe('license e-mails through the real broker, PostgreSQL and @sendgrid/mail against the sink', () => {
  let sink: SinkProcess;
  let service: RunningService;
  let sent: TopicReader;
  let failed: TopicReader;

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_emails', sink);
    sent = await TopicReader.open(kafka, service.topics.emailSent);
    failed = await TopicReader.open(kafka, service.topics.emailFailed);
    await request(service.url)
      .put('/v1/merchants/m_acme/products/p_editor/email-text')
      .set('Authorization', `Bearer ${TEST_KEYS.acme}`)
      .send({ subject: 'Your {PROGRAM_SHORT} keys', text: 'Thanks {FNAME}! Your keys for {PROGRAM_NAME}:\n{KEY}' })
      .expect(200);
  });
  afterAll(async () => {
    await sent?.close();
    await failed?.close();
    await service?.stop();
    await sink?.stop();
  });

  const customer = (email: string) => ({ email, firstName: 'Ann', lastName: 'Lee' });
  const sentFor = (orderId: string) => sent.values<Envelope<EmailSentData>>().filter((e) => e.data.orderId === orderId);
  const failedFor = (orderId: string) => failed.values<Envelope<EmailFailedData>>().filter((e) => e.data.orderId === orderId);
  const retriesByStatus = async (): Promise<Record<'429' | '500', number>> => {
    const { text } = await request(service.url).get('/metrics').expect(200);
    const count = (status: string) => Number(new RegExp(`keypool_email_retries_total\\{status="${status}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { '429': count('429'), '500': count('500') };
  };
  const deliveriesOf = (orderId: string) =>
    service.app.get(DataSource).query('SELECT status, permanent, status_code, attempts, provider_message_id FROM deliveries WHERE order_id = $1', [orderId]);

  it("e-mails the customer the merchant's text and publishes EmailSent with SendGrid's message id", async () => {
    const to = `${uniqueName('ann')}@example.com`;
    const allocated = licenseAllocated({ orderId: uniqueName('ord'), customer: customer(to) });
    await publish(service.topics.licenseAllocated, allocated.data.orderId, allocated);

    await waitUntil(() => sentFor(allocated.data.orderId).length === 1, 20000, 'EmailSent');
    const [mail] = await sink.messages(to);
    expect(mail.subject).toBe('Your Photo Editor Pro keys');
    expect(mail.text).toContain('Hello Ann,\n\nThanks Ann! Your keys for Photo Editor Pro 2026:\nAAAA-BBBB-CCCC\nDDDD-EEEE-FFFF\n');
    expect(mail.html).toContain('<ul class="licenses"><li><code>AAAA-BBBB-CCCC</code></li><li><code>DDDD-EEEE-FFFF</code></li></ul>');
    expect(mail.from).toEqual({ email: 'licenses@keypool.local', name: 'keypool' });
    expect(mail.custom_args).toMatchObject({ keypool_event_id: allocated.id, keypool_order_id: allocated.data.orderId });
    const [emailSent] = sentFor(allocated.data.orderId);
    const message = sent.messages.find((m) => m.value?.toString().includes(emailSent.id))!;
    expect(message.key?.toString()).toBe(allocated.data.orderId);
    expect(emailSent).toMatchObject({ type: 'EmailSent', source: '/keypool/notification-service' });
    expect(emailSent.data).toEqual({
      orderId: allocated.data.orderId,
      merchantId: 'm_acme',
      lineId: '1',
      productId: 'p_editor',
      to,
      licenseIds: ['lic_1', 'lic_2'],
      providerMessageId: mail.id,
      resend: false,
      sentAt: expect.any(String),
    });
  });

  it('sends a burst in a few requests, one personalization per e-mail, each customer getting only their own licenses', async () => {
    const orderId = uniqueName('burst'); // one key, one partition: the burst arrives as one chunk
    const burst = Array.from({ length: 30 }, (_, i) =>
      licenseAllocated({
        orderId,
        lineId: String(i + 1),
        customer: customer(`${uniqueName(`burst${i}`)}@example.com`),
        licenses: [{ licenseId: `lic_b${i}`, value: `BURST-${i}-KEY` }],
      }),
    );
    // Over SendGrid's 10,000-byte substitution limit: this one has to go alone.
    const big = licenseAllocated({
      orderId,
      lineId: '99',
      customer: customer(`${uniqueName('big')}@example.com`),
      licenses: Array.from({ length: 400 }, (_, i) => ({ licenseId: `lic_big${i}`, value: `BIG-${i}-XXXXXXXXXXXXXXXX` })),
    });
    await publish(service.topics.licenseAllocated, orderId, ...burst, big);

    await waitUntil(() => sentFor(orderId).length === 31, 20000, '31 EmailSent');
    const sentByLine = new Map(sentFor(orderId).map((e) => [e.data.lineId, e.data]));
    const requests = new Set<string>();
    for (const [i, allocated] of burst.entries()) {
      const mails = await sink.messages(allocated.data.customer.email);
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      expect(mail.text?.match(/BURST-\d+-KEY/g)).toEqual([`BURST-${i}-KEY`]);
      expect(mail.html?.match(/BURST-\d+-KEY/g)).toEqual([`BURST-${i}-KEY`]);
      expect(mail.subject).toBe('Your Photo Editor Pro keys');
      expect(mail.custom_args).toMatchObject({ keypool_event_id: allocated.id, keypool_line_id: String(i + 1) });
      expect(sentByLine.get(String(i + 1))?.providerMessageId).toBe(mail.requestId);
      requests.add(mail.requestId);
    }
    expect(requests.size).toBeLessThanOrEqual(3);
    const [bigMail] = await sink.messages(big.data.customer.email);
    expect(requests.has(bigMail.requestId)).toBe(false);
    expect(bigMail.requestBody['personalizations']).toHaveLength(1);
    expect(bigMail.text).toContain('BIG-399-XXXXXXXXXXXXXXXX');
  });

  it('retries a batch SendGrid throttles as a whole, and each customer still gets exactly one e-mail', async () => {
    const orderId = uniqueName('throttled');
    const batch = Array.from({ length: 5 }, (_, i) =>
      licenseAllocated({ orderId, lineId: String(i + 1), customer: customer(`${uniqueName(`t${i}`)}@example.com`) }),
    );
    await sink.failNext(429, 1, 0);
    await publish(service.topics.licenseAllocated, orderId, ...batch);

    await waitUntil(() => sentFor(orderId).length === 5, 20000, '5 EmailSent');
    for (const allocated of batch) expect(await sink.messages(allocated.data.customer.email)).toHaveLength(1);
    const deliveries: { attempts: { statusCode: number }[]; provider_message_id: string }[] = await deliveriesOf(orderId);
    expect(deliveries.map((d) => d.attempts.map((a) => a.statusCode))).toEqual(Array(5).fill([429, 202]));
    expect(new Set(deliveries.map((d) => d.provider_message_id)).size).toBe(1);
  });

  it('sends each e-mail of a batch SendGrid refuses alone, so only the one refused again fails', async () => {
    const orderId = uniqueName('refused');
    const batch = Array.from({ length: 5 }, (_, i) =>
      licenseAllocated({ orderId, lineId: String(i + 1), customer: customer(`${uniqueName(`r${i}`)}@example.com`) }),
    );
    await sink.failNext(400, 2);
    await publish(service.topics.licenseAllocated, orderId, ...batch);

    await waitUntil(() => sentFor(orderId).length === 4 && failedFor(orderId).length === 1, 20000, '4 EmailSent and 1 EmailFailed');
    const [refused] = failedFor(orderId);
    expect(refused.data).toMatchObject({ permanent: true, statusCode: 400, attempts: 2, reason: 'SendGrid answered 400: Bad Request' });
    expect(await sink.messages(refused.data.to)).toHaveLength(0);
    const deliveries: { status: string; attempts: { statusCode: number; reason?: string }[] }[] = await deliveriesOf(orderId);
    expect(deliveries.map((d) => d.attempts.map((a) => a.statusCode)).sort()).toEqual([
      [400, 202],
      [400, 202],
      [400, 202],
      [400, 202],
      [400, 400],
    ]);
    expect(deliveries[0].attempts[0].reason).toContain('batch of 5; each e-mail sent again alone');
  });

  it('sends nothing more when the same event is delivered again', async () => {
    const to = `${uniqueName('dup')}@example.com`;
    const orderId = uniqueName('ord');
    const original = licenseAllocated({ orderId, customer: customer(to) });
    const after = licenseAllocated({ orderId, lineId: '2', customer: customer(to) });
    // Same key, same partition: once the later event's e-mail is out, the duplicate has been consumed.
    await publish(service.topics.licenseAllocated, orderId, original, original);
    await publish(service.topics.licenseAllocated, orderId, original, after);

    await waitUntil(() => sentFor(orderId).some((e) => e.data.lineId === '2'), 20000, 'the later line e-mailed');
    expect((await sink.messages(to)).map((m) => m.custom_args?.keypool_event_id).sort()).toEqual([original.id, after.id].sort());
    expect(sentFor(orderId)).toHaveLength(2);
  });

  it('treats a LicenseAllocated with resendof: null as an original', async () => {
    const to = `${uniqueName('nullresend')}@example.com`;
    const allocated = licenseAllocated({ orderId: uniqueName('ord'), customer: customer(to) });
    await publish(service.topics.licenseAllocated, allocated.data.orderId, { ...allocated, resendof: null } as unknown as typeof allocated);
    await waitUntil(() => sentFor(allocated.data.orderId).length === 1, 20000, 'EmailSent');
    expect(sentFor(allocated.data.orderId)[0].data.resend).toBe(false);
    const [mail] = await sink.messages(to);
    expect(mail.categories).toEqual(['keypool-license']);
    expect(mail.custom_args).not.toHaveProperty('keypool_resend_of');
  });

  it('sends a resend exactly once, marked as a resend', async () => {
    const to = `${uniqueName('resend')}@example.com`;
    const orderId = uniqueName('ord');
    const original = licenseAllocated({ orderId, customer: customer(to) });
    const resend = licenseAllocated({ orderId, customer: customer(to) }, { resendof: original.id });
    await publish(service.topics.licenseAllocated, orderId, original, resend, resend);

    await waitUntil(() => sentFor(orderId).length === 2, 20000, 'two EmailSent');
    const sentOnce = licenseAllocated({ orderId, lineId: '9', customer: customer(to) });
    await publish(service.topics.licenseAllocated, orderId, sentOnce);
    await waitUntil(() => sentFor(orderId).length === 3, 20000, 'the sentinel EmailSent');
    expect(sentFor(orderId).map((e) => e.data.resend)).toEqual([false, true, false]);
    expect((await sink.messages(to)).filter((m) => m.custom_args?.keypool_resend_of === original.id)).toHaveLength(1);
  });

  it('retries 429 (honouring Retry-After) and 500, then sends once', async () => {
    const to = `${uniqueName('retry')}@example.com`;
    const allocated = licenseAllocated({ orderId: uniqueName('ord'), customer: customer(to) });
    const retriesBefore = await retriesByStatus();
    await sink.failNext(429, 1, 1);
    await sink.failNext(500, 1);
    await publish(service.topics.licenseAllocated, allocated.data.orderId, allocated);

    await waitUntil(() => sentFor(allocated.data.orderId).length === 1, 20000, 'EmailSent after retries');
    expect(await sink.messages(to)).toHaveLength(1);
    const [delivery] = await deliveriesOf(allocated.data.orderId);
    expect(delivery.status).toBe('sent');
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([429, 500, 202]);
    expect(delivery.attempts[0].waitMs).toBe(1000);
    const retriesAfter = await retriesByStatus();
    expect([retriesAfter['429'] - retriesBefore['429'], retriesAfter['500'] - retriesBefore['500']]).toEqual([1, 1]);
  });

  it('keeps an e-mail through an outage longer than one hand-off, reports the line retrying once, then sends it once', async () => {
    const to = `${uniqueName('outage')}@example.com`;
    const allocated = licenseAllocated({ orderId: uniqueName('ord'), customer: customer(to) });
    await sink.failNext(503, 6); // 4 attempts per hand-off: the first fails, the second sends on its third request
    await publish(service.topics.licenseAllocated, allocated.data.orderId, allocated);

    await waitUntil(() => sentFor(allocated.data.orderId).length === 1, 20000, 'EmailSent after the outage');
    const [retrying] = failedFor(allocated.data.orderId);
    expect(failedFor(allocated.data.orderId)).toHaveLength(1);
    expect(retrying.data).toMatchObject({
      permanent: false,
      attempts: 4,
      statusCode: 503,
      to,
      resend: false,
      reason: 'SendGrid answered 503: Service Unavailable',
    });
    expect(await sink.messages(to)).toHaveLength(1);
    const [delivery] = await deliveriesOf(allocated.data.orderId);
    expect(delivery).toMatchObject({ status: 'sent', permanent: null });
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 503, 503, 503, 503, 202]);
    const metrics = await request(service.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/keypool_emails_failed_total\{kind="license",permanent="false"\} 1\n/);
    expect(metrics.text).toMatch(/keypool_emails_waiting_retry 0\n/);
  });

  it('writes each e-mail with the text and sender stored when it is queued, though earlier ones were cached', async () => {
    const auth = { Authorization: `Bearer ${TEST_KEYS.acme}` };
    const productId = uniqueName('p_cached');
    const emailTo = async (subjectWanted: string) => {
      const to = `${uniqueName('cached')}@example.com`;
      const allocated = licenseAllocated({ orderId: uniqueName('ord'), productId, customer: customer(to) });
      await publish(service.topics.licenseAllocated, allocated.data.orderId, allocated);
      await waitUntil(async () => (await sink.messages(to)).length === 1, 20000, `the e-mail "${subjectWanted}"`);
      const [mail] = await sink.messages(to);
      return mail;
    };
    const text = (subject: string) =>
      request(service.url).put(`/v1/merchants/m_acme/products/${productId}/email-text`).set(auth).send({ subject, text: '{KEY}' }).expect(200);

    await text('First');
    expect((await emailTo('First')).subject).toBe('First');
    expect((await emailTo('First, cached')).subject).toBe('First');
    await text('Second');
    expect((await emailTo('Second')).subject).toBe('Second');
    await request(service.url).delete(`/v1/merchants/m_acme/products/${productId}/email-text`).set(auth).expect(204);
    expect((await emailTo('the merchant default')).subject).not.toBe('Second');
    await request(service.url).put('/v1/merchants/m_acme/sender').set(auth).send({ senderName: 'Acme Cached' }).expect(200);
    expect((await emailTo('from Acme Cached')).from).toEqual({ email: 'licenses@keypool.local', name: 'Acme Cached' });
    await request(service.url).put('/v1/merchants/m_acme/sender').set(auth).send({}).expect(200);
    expect((await emailTo('from keypool')).from).toEqual({ email: 'licenses@keypool.local', name: 'keypool' });
  });
});

describe('license e-mails SendGrid refuses', () => {
  let sink: SinkProcess;
  let service: RunningService;
  let failed: TopicReader;

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_refused', sink, { SENDGRID_API_KEY: 'SG.revoked-key' });
    failed = await TopicReader.open(kafka, service.topics.emailFailed);
  });
  afterAll(async () => {
    await failed?.close();
    await service?.stop();
    await sink?.stop();
  });

  it("reports a 4xx at once as a permanent EmailFailed with SendGrid's reason", async () => {
    const allocated = licenseAllocated({ orderId: uniqueName('ord') });
    await publish(service.topics.licenseAllocated, allocated.data.orderId, allocated);

    const [message] = await failed.waitForCount(1);
    const emailFailed = JSON.parse(message.value!.toString()) as Envelope<EmailFailedData>;
    expect(emailFailed.data).toMatchObject({ orderId: allocated.data.orderId, permanent: true, attempts: 1, statusCode: 401 });
    expect(emailFailed.data.reason).toBe('SendGrid answered 401: The provided authorization grant is invalid, expired, or revoked');
    expect(await sink.messages()).toHaveLength(0);
  });
});

describe('a consumer group reset on license-allocated', () => {
  let sink: SinkProcess;
  let service: RunningService;
  let sent: TopicReader;

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_reset', sink);
    sent = await TopicReader.open(kafka, service.topics.emailSent);
  });
  afterAll(async () => {
    await sent?.close();
    await service?.stop();
    await sink?.stop();
  });

  it('re-reads old offsets without e-mailing anyone a second time', async () => {
    const orderId = uniqueName('reset');
    const before = Array.from({ length: 3 }, (_, i) =>
      licenseAllocated({ orderId, lineId: String(i + 1), customer: { email: `${uniqueName(`reset${i}`)}@example.com`, firstName: 'Ann', lastName: 'Lee' } }),
    );
    await publish(service.topics.licenseAllocated, orderId, ...before);
    await sent.waitForCount(3);

    const groupId = `notification-service.${service.topics.licenseAllocated}`;
    await service.restart(async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        // The group must be empty for a reset; the stopped consumer may take a moment to leave.
        await waitUntil(
          () =>
            admin.resetOffsets({ groupId, topic: service.topics.licenseAllocated, earliest: true }).then(
              () => true,
              () => false,
            ),
          20000,
          'an empty group to reset',
        );
      } finally {
        await admin.disconnect();
      }
    });
    const after = licenseAllocated({ orderId, lineId: '9', customer: { email: `${uniqueName('after')}@example.com`, firstName: 'Ann', lastName: 'Lee' } });
    await publish(service.topics.licenseAllocated, orderId, after);
    await sent.waitForCount(4);

    for (const allocated of [...before, after]) expect(await sink.messages(allocated.data.customer.email)).toHaveLength(1);
    expect(sent.messages).toHaveLength(4);
    const metrics = await request(service.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/keypool_events_redelivered_total\{consumer="license-emails"\} 3\n/);
  });
});
