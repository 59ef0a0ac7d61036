import request from 'supertest';
import { exampleEventData } from '@keypool/contracts';
import { SinkProcess, TEST_KEYS, uniqueName, waitUntil } from '@keypool/testing';
import { RunningService, event, publish, startNotificationService } from '../../test/harness';

describe('PoolLow alerts to the merchant alert contacts', () => {
  let sink: SinkProcess;
  let service: RunningService;
  const acme = { Authorization: `Bearer ${TEST_KEYS.acme}` };

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_pool_low', sink, { CONSOLE_URL: 'https://console.keypool.example/' });
  });
  afterAll(async () => {
    await service?.stop();
    await sink?.stop();
  });

  it('keeps valid, de-duplicated contacts and names the invalid ones', async () => {
    const bad = await request(service.url)
      .put('/v1/merchants/m_acme/alert-contacts')
      .set(acme)
      .send({ emails: ['ops@acme.example', 'ann@', 'not an email'] })
      .expect(422);
    expect(bad.body.message).toBe('emails[1] is not a valid e-mail address; emails[2] is not a valid e-mail address');
    const absurd = await request(service.url)
      .put('/v1/merchants/m_acme/alert-contacts')
      .set(acme)
      .send({ emails: Array.from({ length: 1001 }, () => 'ops@acme.example') })
      .expect(400);
    expect(absurd.body.message).toContain('body.emails');
    const saved = await request(service.url)
      .put('/v1/merchants/m_acme/alert-contacts')
      .set(acme)
      .send({ emails: [' ops@acme.example ', 'OPS@acme.example', 'cto@acme.example'] })
      .expect(200);
    expect(saved.body).toEqual({ merchantId: 'm_acme', emails: ['ops@acme.example', 'cto@acme.example'] });
    await request(service.url).get('/v1/merchants/m_acme/alert-contacts').set(acme).expect(200, saved.body);
    await request(service.url)
      .get('/v1/merchants/m_acme/alert-contacts')
      .set({ Authorization: `Bearer ${TEST_KEYS.globex}` })
      .expect(404);
  });

  it('e-mails each alert contact once per PoolLow event with the pool by name, product, currency and mode, what to do and a console link', async () => {
    const poolId = uniqueName('pool');
    const low = event('PoolLow', {
      ...exampleEventData.PoolLow,
      poolId,
      poolName: 'Editor <EUR>',
      mode: 'test',
      merchantId: 'm_acme',
      productId: 'p_editor',
      currency: 'EUR',
      available: 3,
      threshold: 10,
      level: 'low',
      backordered: 2,
    });
    await publish(service.topics.poolLow, poolId, low, low);

    await waitUntil(async () => (await sink.messages('cto@acme.example')).some((m) => m.custom_args?.keypool_event_id === low.id), 20000, 'alert e-mail');
    // One request with a personalization per contact: the sink stores one e-mail per
    // personalization (ids X, X.1 under the request's X-Message-Id X).
    const mails = (await sink.messages()).filter((m) => m.custom_args?.keypool_event_id === low.id);
    const requestId = mails[0]?.requestId;
    expect(mails.map((m) => ({ id: m.id, requestId: m.requestId, recipients: [...m.to, ...m.cc, ...m.bcc] }))).toEqual([
      { id: requestId, requestId, recipients: ['ops@acme.example'] },
      { id: `${requestId}.1`, requestId, recipients: ['cto@acme.example'] },
    ]);
    const poolPage = `https://console.keypool.example/pools/${poolId}`;
    for (const mail of mails) {
      expect(mail.subject).toBe('Pool low: Editor <EUR> (test, p_editor, EUR), 3 left');
      expect(mail.text).toContain('Your test license pool "Editor <EUR>" is running low: 3 licenses left, below its alert threshold of 10.');
      expect(mail.text).toContain(
        `Pool: Editor <EUR>\nPool id: ${poolId}\nMode: test (serves test purchases only)\nProduct: p_editor\nCurrency: EUR\nAvailable: 3 licenses\nAlert threshold: 10\nOrder lines waiting: 2`,
      );
      expect(mail.text).toContain(`- Import more licenses into this pool (a .txt file, one license per line) on its page in the console: ${poolPage}`);
      expect(mail.text).toContain(
        "- If this alert leaves too little time to restock, raise the pool's alert threshold on the same page; if it comes too early, lower it.",
      );
      expect(mail.text).toContain('- 2 order lines are waiting; they are served, oldest first among those the stock can serve, as soon as licenses arrive.');
      expect(mail.html).toContain(`<a href="${poolPage}">its page in the console</a>`);
      expect(mail.html).toContain('<td>Editor &lt;EUR&gt;</td>');
      expect(mail.html).not.toContain('Editor <EUR>');
      // Nobody sees the other contact's address anywhere in their e-mail.
      const other = mail.to[0] === 'ops@acme.example' ? 'cto@acme.example' : 'ops@acme.example';
      expect(`${mail.text} ${mail.html} ${mail.subject}`).not.toContain(other);
    }
  });

  it('names the pool by its id when the PoolLow comes from a producer without poolName and mode (PoolLow v1 as first published)', async () => {
    const poolId = uniqueName('pool');
    const { poolName: _name, mode: _mode, ...v1 } = exampleEventData.PoolLow;
    const empty = event('PoolLow', {
      ...v1,
      poolId,
      merchantId: 'm_acme',
      productId: null,
      currency: null,
      available: 0,
      threshold: 5,
      level: 'empty',
      backordered: 1,
    });
    await publish(service.topics.poolLow, poolId, empty);
    await waitUntil(async () => (await sink.messages('ops@acme.example')).some((m) => m.custom_args?.keypool_event_id === empty.id), 20000, 'alert e-mail');
    const [mail] = (await sink.messages('ops@acme.example')).filter((m) => m.custom_args?.keypool_event_id === empty.id);
    expect(mail.subject).toBe(`Pool empty: pool ${poolId}, 0 left`);
    expect(mail.text).toContain(`Your license pool "pool ${poolId}" is empty.`);
    expect(mail.text).toContain('Product: all products\nCurrency: all currencies\nAvailable: 0 licenses');
    expect(mail.text).not.toContain('Mode:');
    expect(mail.text).toContain('- Until you do, new orders this pool serves wait for stock.');
    expect(mail.text).toContain(`https://console.keypool.example/pools/${poolId}`);
  });

  it('sends nothing for a merchant without alert contacts, and counts it', async () => {
    const poolId = uniqueName('pool');
    await publish(
      service.topics.poolLow,
      poolId,
      event('PoolLow', { ...exampleEventData.PoolLow, poolId, merchantId: 'm_globex', level: 'empty', available: 0 }),
    );
    await waitUntil(
      async () => /keypool_pool_low_alerts_total\{outcome="no_contacts"\} 1/.test((await request(service.url).get('/metrics')).text),
      20000,
      'the no-contacts count',
    );
    expect((await sink.messages()).filter((m) => m.subject.includes(poolId))).toEqual([]);
  });
});
