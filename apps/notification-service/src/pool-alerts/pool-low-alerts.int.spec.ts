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
    service = await startNotificationService('notification_pool_low', sink);
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
    const saved = await request(service.url)
      .put('/v1/merchants/m_acme/alert-contacts')
      .set(acme)
      .send({ emails: [' ops@acme.example ', 'OPS@acme.example', 'cto@acme.example'] })
      .expect(200);
    expect(saved.body).toEqual({ merchantId: 'm_acme', emails: ['ops@acme.example', 'cto@acme.example'] });
    await request(service.url).get('/v1/merchants/m_acme/alert-contacts').set(acme).expect(200, saved.body);
    await request(service.url).get('/v1/merchants/m_acme/alert-contacts').set({ Authorization: `Bearer ${TEST_KEYS.globex}` }).expect(404);
  });

  it('e-mails each alert contact once per PoolLow event with the pool, its scope and its level', async () => {
    const poolId = uniqueName('pool');
    const low = event('PoolLow', { ...exampleEventData.PoolLow, poolId, merchantId: 'm_acme', productId: 'p_editor', currency: 'EUR', available: 3, threshold: 10, level: 'low', backordered: 2 });
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
    for (const mail of mails) {
      expect(mail.subject).toBe(`Pool low: ${poolId} (3 left, product p_editor, currency EUR)`);
      expect(mail.text).toContain(`Your license pool ${poolId} is running low.`);
      expect(mail.text).toContain('Available: 3 licenses\nAlert threshold: 10\nOrder lines waiting: 2');
      expect(mail.text).toContain('2 order lines are waiting; they are served, oldest first among those the stock can serve, as soon as licenses arrive.');
      // Nobody sees the other contact's address anywhere in their e-mail.
      const other = mail.to[0] === 'ops@acme.example' ? 'cto@acme.example' : 'ops@acme.example';
      expect(`${mail.text} ${mail.html} ${mail.subject}`).not.toContain(other);
    }
  });

  it('sends nothing for a merchant without alert contacts, and counts it', async () => {
    const poolId = uniqueName('pool');
    await publish(service.topics.poolLow, poolId, event('PoolLow', { ...exampleEventData.PoolLow, poolId, merchantId: 'm_globex', level: 'empty', available: 0 }));
    await waitUntil(
      async () => /keypool_pool_low_alerts_total\{outcome="no_contacts"\} 1/.test((await request(service.url).get('/metrics')).text),
      20000,
      'the no-contacts count',
    );
    expect((await sink.messages()).filter((m) => m.subject.includes(poolId))).toEqual([]);
  });
});
