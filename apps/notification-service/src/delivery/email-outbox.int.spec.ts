import request from 'supertest';
import { DataSource } from 'typeorm';
import type { EmailFailedData, EmailSentData } from '@keypool/contracts';
import { Messaging, type Envelope, type Transactions, type Tx } from '@keypool/messaging';
import { SecretBox } from '@keypool/platform';
import { SinkProcess, TopicReader, uniqueName, waitUntil } from '@keypool/testing';
import { RunningService, kafka, licenseAllocated, publish, startNotificationService } from '../../test/harness';
import { EmailSender, TWICE_INTERRUPTED } from './email-sender';
import { NOTIFICATION_METRICS } from './notification-metrics';
import { SendGridDelivery } from './sendgrid-delivery';

// Small timings stand in for the production ones: a hand-off gives up after 3 requests or 1 s of
// retry waits (the old in-transaction design then gave up for good), retries wait 0.15–0.6 s,
// an e-mail gives up 4 s after it was queued, and a claim expires after 2 s.
const TIMINGS = {
  SENDGRID_MAX_ATTEMPTS: '3',
  SENDGRID_RETRY_BUDGET_MS: '1000',
  EMAIL_RETRY_BASE_MS: '300',
  EMAIL_RETRY_MAX_DELAY_MS: '600',
  EMAIL_MAX_RETRY_AGE_MS: '4000',
  EMAIL_SEND_LEASE_MS: '2000',
  EMAIL_SEND_POLL_MS: '100',
  // A queued e-mail is sent only with the longest a send may take (1 s + 3 × 0.2 s) left on its lease.
  SENDGRID_TIMEOUT_MS: '200',
};

describe('license e-mails through SendGrid outages and database faults (e-mail outbox)', () => {
  let sink: SinkProcess;
  let service: RunningService;
  let sent: TopicReader;
  let failed: TopicReader;

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_outbox', sink, TIMINGS);
    sent = await TopicReader.open(kafka, service.topics.emailSent);
    failed = await TopicReader.open(kafka, service.topics.emailFailed);
  });
  afterAll(async () => {
    await sent?.close();
    await failed?.close();
    await service?.stop();
    await sink?.stop();
  });
  afterEach(async () => {
    await sink.reset();
    await db().query('DROP TRIGGER IF EXISTS refuse_deliveries ON deliveries');
  });

  const db = () => service.app.get(DataSource);
  const sentFor = (orderId: string) => sent.values<Envelope<EmailSentData>>().filter((e) => e.data.orderId === orderId);
  const failedFor = (orderId: string) => failed.values<Envelope<EmailFailedData>>().filter((e) => e.data.orderId === orderId);
  const lines = (orderId: string, count: number) =>
    Array.from({ length: count }, (_, i) =>
      licenseAllocated({
        orderId,
        lineId: String(i + 1),
        customer: { email: `${uniqueName(`${orderId}-${i}`)}@example.com`, firstName: 'Ann', lastName: 'Lee' },
      }),
    );
  const copiesOf = async (allocated: ReturnType<typeof licenseAllocated>[]) =>
    Promise.all(allocated.map(async (a) => (await sink.messages(a.data.customer.email)).length));
  const sendsOf = (orderId: string): Promise<{ status: string; attempts: number; reclaims: number; payload: Buffer | null }[]> =>
    db().query('SELECT status, attempts, reclaims, payload FROM email_sends WHERE order_id = $1 ORDER BY line_id', [orderId]);
  const metric = async (name: string) => {
    const { text } = await request(service.url).get('/metrics').expect(200);
    return Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1]);
  };
  /** Makes the database refuse to record deliveries: once, or until the returned function lifts it. */
  const refuseDeliveries = async (mode: 'once' | 'until-lifted') => {
    const condition = mode === 'once' ? `nextval('${uniqueName('refusal').replace(/\W/g, '_')}') = 1` : 'true';
    const sequence = /nextval\('(\w+)'\)/.exec(condition)?.[1];
    if (sequence) await db().query(`CREATE SEQUENCE ${sequence}`);
    await db().query(`CREATE OR REPLACE FUNCTION refuse_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF ${condition} THEN RAISE EXCEPTION 'injected: the database refuses to record deliveries'; END IF; RETURN NULL; END $$`);
    await db().query('CREATE TRIGGER refuse_deliveries BEFORE INSERT ON deliveries FOR EACH STATEMENT EXECUTE FUNCTION refuse_deliveries()');
    return () => db().query('DROP TRIGGER refuse_deliveries ON deliveries');
  };

  it('sends every e-mail exactly once after an outage that outlasts several hand-offs, reporting each line retrying once', async () => {
    const orderId = uniqueName('outage');
    const burst = lines(orderId, 5);
    await sink.failNext(500, 9); // one batched request per try: three hand-offs of three requests fail
    await publish(service.topics.licenseAllocated, orderId, ...burst);

    await waitUntil(() => sentFor(orderId).length === 5, 15000, '5 EmailSent after the outage');
    expect(await copiesOf(burst)).toEqual([1, 1, 1, 1, 1]);
    const retrying = failedFor(orderId);
    expect(retrying.map((e) => e.data.lineId).sort()).toEqual(['1', '2', '3', '4', '5']);
    for (const e of retrying)
      expect(e.data).toMatchObject({ permanent: false, statusCode: 500, attempts: 3, reason: 'SendGrid answered 500: Internal Server Error' });
    // However the burst was claimed, each e-mail went through more failed requests than one hand-off allows.
    for (const send of await sendsOf(orderId)) expect(send).toMatchObject({ status: 'sent', reclaims: 0, payload: null, attempts: expect.any(Number) });
    expect(Math.min(...(await sendsOf(orderId)).map((s) => s.attempts))).toBeGreaterThanOrEqual(2);
    const deliveries: { attempts: { statusCode: number }[] }[] = await db().query('SELECT attempts FROM deliveries WHERE order_id = $1', [orderId]);
    for (const { attempts } of deliveries) {
      expect(attempts.map((a) => a.statusCode)).toEqual([...Array(attempts.length - 1).fill(500), 202]);
      expect(attempts.length).toBeGreaterThan(3);
    }
  });

  it("honours SendGrid's Retry-After between hand-offs, and the metrics show the e-mail waiting meanwhile", async () => {
    const orderId = uniqueName('throttled');
    const [allocated] = lines(orderId, 1);
    await sink.failNext(429, 1, 2); // Retry-After: 2 s, beyond the hand-off's 1 s budget
    await publish(service.topics.licenseAllocated, orderId, allocated);

    await waitUntil(() => failedFor(orderId).length === 1, 10000, 'EmailFailed (retrying)');
    expect(failedFor(orderId)[0].data).toMatchObject({ permanent: false, statusCode: 429 });
    expect(await metric('keypool_emails_waiting_retry')).toBe(1);
    expect(await metric('keypool_email_oldest_pending_seconds')).toBeGreaterThan(0);
    await waitUntil(() => sentFor(orderId).length === 1, 10000, 'EmailSent');
    const [delivery]: { attempts: { at: string; statusCode: number }[] }[] = await db().query('SELECT attempts FROM deliveries WHERE order_id = $1', [orderId]);
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([429, 202]);
    expect(Date.parse(delivery.attempts[1].at) - Date.parse(delivery.attempts[0].at)).toBeGreaterThanOrEqual(2000);
    expect(await metric('keypool_emails_waiting_retry')).toBe(0);
  });

  it('fails an e-mail for good once it has been retried for the maximum age', async () => {
    const orderId = uniqueName('too-old');
    const [allocated] = lines(orderId, 1);
    await sink.failNext(503, 1000);
    await publish(service.topics.licenseAllocated, orderId, allocated);

    await waitUntil(() => failedFor(orderId).some((e) => e.data.permanent), 10000, 'a permanent EmailFailed');
    const [retrying, gaveUp] = failedFor(orderId);
    expect(failedFor(orderId)).toHaveLength(2);
    expect(retrying.data.permanent).toBe(false);
    expect(gaveUp.data).toMatchObject({ permanent: true, statusCode: 503 });
    expect(gaveUp.data.reason).toMatch(/^SendGrid answered 503: Service Unavailable; still failing after retrying for 4 s \(\d+ attempts\)$/);
    expect(sentFor(orderId)).toHaveLength(0);
    expect(await copiesOf([allocated])).toEqual([0]);
    const [send] = await sendsOf(orderId);
    expect(send).toMatchObject({ status: 'failed', payload: null });
  });

  it('records the outcome again, instead of sending again, when the database refuses it once', async () => {
    const orderId = uniqueName('db-once');
    const burst = lines(orderId, 3);
    await refuseDeliveries('once');
    await publish(service.topics.licenseAllocated, orderId, ...burst);

    await waitUntil(() => sentFor(orderId).length === 3, 10000, '3 EmailSent');
    expect(await copiesOf(burst)).toEqual([1, 1, 1]);
    expect((await sendsOf(orderId)).map(({ status, attempts, reclaims }) => ({ status, attempts, reclaims }))).toEqual(
      Array(3).fill({ status: 'sent', attempts: 1, reclaims: 0 }),
    );
  });

  it('repeats only the e-mails in flight, once, when the outcome cannot be recorded for longer than the claim', async () => {
    const orderId = uniqueName('db-long');
    const burst = lines(orderId, 2);
    const lift = await refuseDeliveries('until-lifted');
    await publish(service.topics.licenseAllocated, orderId, ...burst);

    await waitUntil(async () => (await copiesOf(burst)).every((n) => n === 2), 10000, 'the in-flight e-mails sent once more');
    await lift();
    await waitUntil(() => sentFor(orderId).length === 2, 10000, '2 EmailSent');
    await new Promise((r) => setTimeout(r, 2500)); // a further lease: nothing is claimed a third time
    expect(await copiesOf(burst)).toEqual([2, 2]);
    expect(sentFor(orderId)).toHaveLength(2);
    expect((await sendsOf(orderId)).map(({ status, reclaims }) => ({ status, reclaims }))).toEqual(Array(2).fill({ status: 'sent', reclaims: 1 }));
  });

  it('sends an e-mail a crashed instance left in flight once more, not twice', async () => {
    const orderId = uniqueName('crash');
    const [allocated] = lines(orderId, 1);
    const lift = await refuseDeliveries('until-lifted');
    await publish(service.topics.licenseAllocated, orderId, allocated);
    await waitUntil(async () => (await copiesOf([allocated]))[0] === 1, 10000, 'the first copy');

    // Stopped before it could record what SendGrid answered: the e-mail stays claimed until the lease ends.
    await service.restart();
    await lift();
    await waitUntil(() => sentFor(orderId).length === 1, 10000, 'EmailSent from the next instance');
    await new Promise((r) => setTimeout(r, 2500));
    expect(await copiesOf([allocated])).toEqual([2]);
    expect(sentFor(orderId)).toHaveLength(1);
    expect((await sendsOf(orderId)).map(({ status, reclaims }) => ({ status, reclaims }))).toEqual([{ status: 'sent', reclaims: 1 }]);
  });

  it('fails an e-mail interrupted a second time for support to resend, instead of sending a third copy', async () => {
    const orderId = uniqueName('crash-twice');
    const [allocated] = lines(orderId, 1);
    const lift = await refuseDeliveries('until-lifted');
    await publish(service.topics.licenseAllocated, orderId, allocated);
    await waitUntil(async () => (await copiesOf([allocated]))[0] === 1, 10000, 'the first copy');
    await service.restart();
    await waitUntil(async () => (await copiesOf([allocated]))[0] === 2, 10000, 'the copy sent again');

    await service.restart();
    await lift();
    await waitUntil(() => failedFor(orderId).length === 1, 10000, 'EmailFailed');
    expect(failedFor(orderId)[0].data).toMatchObject({ permanent: true, reason: TWICE_INTERRUPTED, attempts: 2 });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await copiesOf([allocated])).toEqual([2]);
    expect(sentFor(orderId)).toHaveLength(0);
    expect((await sendsOf(orderId)).map(({ status, reclaims, payload }) => ({ status, reclaims, payload }))).toEqual([
      { status: 'failed', reclaims: 1, payload: null },
    ]);
  });

  it('fails a line whose text the renderer refuses as permanent, and still sends the rest of the chunk', async () => {
    const orderId = uniqueName('refused-render');
    // Stored before texts were capped on save: {KEY} 4,000 times around long links renders far over the limit.
    await db().query(`INSERT INTO email_texts (merchant_id, product_id, text) VALUES ('m_acme', 'p_legacy', $1) ON CONFLICT DO NOTHING`, [
      '{KEY}'.repeat(4_000),
    ]);
    const [fine, huge] = lines(orderId, 2);
    huge.data.productId = 'p_legacy';
    huge.data.licenses = Array.from({ length: 8 }, (_, i) => ({ licenseId: `lic_link${i}`, value: `https://files.example.com/${i}/${'a'.repeat(2_020)}` }));
    await publish(service.topics.licenseAllocated, orderId, fine, huge);

    await waitUntil(() => sentFor(orderId).length === 1 && failedFor(orderId).length === 1, 10000, 'EmailSent and EmailFailed');
    expect(sentFor(orderId)[0].data.lineId).toBe('1');
    const [refused] = failedFor(orderId);
    expect(refused.data).toMatchObject({ lineId: '2', permanent: true, attempts: 0, statusCode: null });
    expect(refused.data.reason).toMatch(/^e-mail not rendered: its .* would be longer than 1,048,576 characters/);
    expect(await copiesOf([fine, huge])).toEqual([1, 0]);
    expect((await sendsOf(orderId)).map(({ status, payload }) => ({ status, payload }))).toEqual([
      { status: 'sent', payload: null },
      { status: 'failed', payload: null },
    ]);
    const [delivery] = await db().query(`SELECT status, permanent FROM deliveries WHERE order_id = $1 AND line_id = '2'`, [orderId]);
    expect(delivery).toEqual({ status: 'failed', permanent: true });
  });
});

describe('an instance that knows its name (EMAIL_SENDER_ID) after a restart', () => {
  let sink: SinkProcess;
  let service: RunningService;

  beforeAll(async () => {
    sink = await SinkProcess.start();
    // A lease of 10 minutes: anything sent again within seconds was released, not waited out.
    // A first retry a minute out: once its first attempt is recorded, the live sender leaves the
    // e-mail alone while the test fakes a dead process's claim on it.
    service = await startNotificationService('notification_sender_id', sink, {
      EMAIL_SENDER_ID: 'notif-a',
      EMAIL_SEND_LEASE_MS: '600000',
      EMAIL_RETRY_BASE_MS: '60000',
    });
  });
  afterAll(async () => {
    await service?.stop();
    await sink?.stop();
  });

  const db = () => service.app.get(DataSource);
  const stateOf = async (orderId: string) =>
    (await db().query('SELECT status, reclaims FROM email_sends WHERE order_id = $1', [orderId]))[0] as { status: string; reclaims: number } | undefined;
  /** Queues an e-mail, then leaves it as a dead process named `owner` would: claimed, lease far ahead. */
  const leftInFlightBy = async (owner: string) => {
    const orderId = uniqueName('in-flight');
    const allocated = licenseAllocated({ orderId, customer: { email: `${uniqueName('buyer')}@example.com`, firstName: 'Ann', lastName: 'Lee' } });
    await sink.failNext(503, 1000);
    await publish(service.topics.licenseAllocated, orderId, allocated);
    // A queued e-mail is 'pending' before its first attempt too: wait for that attempt's failure to
    // be recorded, so no send is in flight when the claim is faked. (Waiting for 'pending' alone let
    // the first attempt still run; after sink.reset() it got through, and the predecessor's e-mail
    // then reached the inbox twice, once from the old process, which the test never saw as 1.)
    await waitUntil(
      async () => {
        const [row] = await db().query<{ status: string; tried: number }[]>(
          'SELECT status, jsonb_array_length(attempt_log) AS tried FROM email_sends WHERE order_id = $1',
          [orderId],
        );
        return row?.status === 'pending' && row.tried > 0;
      },
      10000,
      'the first attempt failed and recorded',
    );
    await db().query(
      `UPDATE email_sends SET status = 'sending', claimed_by = $2, claim_token = gen_random_uuid(), claimed_at = now(),
              lease_until = now() + interval '10 minutes', reclaims = 0
        WHERE order_id = $1`,
      [orderId, `${owner}:1:dead0000`],
    );
    return { orderId, to: allocated.data.customer.email };
  };

  it("claims its dead predecessor's in-flight e-mails at once, and leaves other instances' claims alone", async () => {
    const mine = await leftInFlightBy('notif-a');
    const others = await leftInFlightBy('notif-b');
    await sink.reset();
    await service.restart();

    await waitUntil(async () => (await sink.messages(mine.to)).length === 1, 10000, "the predecessor's e-mail, sent again");
    await waitUntil(async () => (await stateOf(mine.orderId))?.status === 'sent', 10000, 'its outcome recorded');
    expect(await stateOf(mine.orderId)).toEqual({ status: 'sent', reclaims: 1 });
    expect(await stateOf(others.orderId)).toEqual({ status: 'sending', reclaims: 0 });
    expect(await sink.messages(others.to)).toHaveLength(0);
  });
});

describe('a claim whose commit the sender did not see (the connection broke at commit)', () => {
  let sink: SinkProcess;
  let service: RunningService;

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_unseen_claim', sink, { EMAIL_SEND_LEASE_MS: '600000' });
  });
  afterAll(async () => {
    await service?.stop();
    await sink?.stop();
  });

  it('gives the claimed e-mails back once the database answers, and sends each once, long before the lease ends', async () => {
    // The service's own sender steps aside; this one's first claim commits, then "fails".
    await service.app.get(EmailSender).stop();
    const messaging = service.app.get(Messaging);
    let breakNextCommit = true;
    const transactions = {
      run: async <T>(work: (tx: Tx) => Promise<T>): Promise<T> => {
        const result = await messaging.transactions.run(work);
        if (breakNextCommit) {
          breakNextCommit = false;
          throw new Error('Connection terminated unexpectedly');
        }
        return result;
      },
      runOpening: messaging.transactions.runOpening.bind(messaging.transactions),
    } as unknown as Transactions;
    const sender = new EmailSender(
      {
        transactions,
        cipher: service.app.get(SecretBox),
        delivery: service.app.get(SendGridDelivery),
        metrics: service.app.get(NOTIFICATION_METRICS),
        topics: service.topics,
        logger: { error: () => undefined },
      },
      {
        leaseMs: 600000,
        pollMs: 100,
        claimSize: 100,
        retry: { baseDelayMs: 200, maxDelayMs: 1000, maxAgeMs: 60000 },
        retryBudgetMs: 1000,
        sendMaxMs: 2000,
        concurrency: 4,
      },
    );
    const orderId = uniqueName('unseen');
    const allocated = licenseAllocated({ orderId, customer: { email: `${uniqueName('buyer')}@example.com`, firstName: 'Ann', lastName: 'Lee' } });
    await publish(service.topics.licenseAllocated, orderId, allocated);
    const db = service.app.get(DataSource);
    await waitUntil(async () => (await db.query('SELECT 1 FROM email_sends WHERE order_id = $1', [orderId])).length === 1, 10000, 'the e-mail queued');

    await sender.start();
    try {
      await waitUntil(async () => (await sink.messages(allocated.data.customer.email)).length === 1, 10000, 'the e-mail sent after the claim was given back');
      await waitUntil(async () => (await db.query(`SELECT 1 FROM email_sends WHERE order_id = $1 AND status = 'sent'`, [orderId])).length === 1, 10000, 'sent');
      expect(breakNextCommit).toBe(false);
      const [row] = await db.query('SELECT reclaims FROM email_sends WHERE order_id = $1', [orderId]);
      expect(row.reclaims).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      expect(await sink.messages(allocated.data.customer.email)).toHaveLength(1);
    } finally {
      await sender.stop();
    }
  });
});
