import { DataSource } from 'typeorm';
import { SinkProcess, uniqueName, waitUntil } from '@keypool/testing';
import { RunningService, licenseAllocated, publish, startNotificationService } from '../../test/harness';
import { SendGridDelivery } from './sendgrid-delivery';

// A queued e-mail is sent only with 2 s (retry budget 1 s + one attempt's timeout 1 s) left of its
// 5 s lease; a send takes 2 e-mails at most, and 4 may wait in the hand-off queue.
const TIMINGS = {
  EMAIL_SEND_CLAIM_SIZE: '2',
  EMAIL_SEND_LEASE_MS: '5000',
  SENDGRID_RETRY_BUDGET_MS: '1000',
  SENDGRID_TIMEOUT_MS: '1000',
  SENDGRID_MAX_ATTEMPTS: '1',
  EMAIL_SEND_POLL_MS: '100',
};

describe("the consumer's hand-off of claimed license e-mails to the sender", () => {
  let sink: SinkProcess;
  let service: RunningService;
  let delivery: SendGridDelivery;
  let sendAll: SendGridDelivery['sendAll'];
  /** The recipients of each sendAll call, in order. */
  let calls: string[][];
  let hold: { started: boolean; release: () => void } | null;

  beforeAll(async () => {
    sink = await SinkProcess.start();
    service = await startNotificationService('notification_handoff', sink, TIMINGS);
    delivery = service.app.get(SendGridDelivery);
    sendAll = delivery.sendAll.bind(delivery);
  });
  afterAll(async () => {
    await service?.stop();
    await sink?.stop();
  });
  beforeEach(() => {
    calls = [];
    hold = null;
    jest.spyOn(delivery, 'sendAll').mockImplementation(async (mails, budget, concurrency, startBy) => {
      calls.push(mails.map((m) => String(m.to[0])));
      const held = hold;
      if (held && !held.started) {
        held.started = true;
        await new Promise<void>((resolve) => (held.release = resolve));
      }
      return sendAll(mails, budget, concurrency, startBy);
    });
  });
  afterEach(async () => {
    hold?.release();
    jest.restoreAllMocks();
    await sink.reset();
  });

  const db = () => service.app.get(DataSource);
  const line = (orderId: string, i: number) =>
    licenseAllocated({
      orderId,
      lineId: String(i + 1),
      customer: { email: `${uniqueName(`${orderId}-${i}`)}@example.com`, firstName: 'Ann', lastName: 'Lee' },
    });
  const rowsOf = (orderId: string): Promise<{ status: string; claim_token: string | null; attempts: number; reclaims: number; late_ms: number }[]> =>
    db().query(
      `SELECT status, claim_token, attempts, reclaims, extract(epoch FROM claimed_at - created_at) * 1000 AS late_ms
         FROM email_sends WHERE order_id = $1 ORDER BY line_id`,
      [orderId],
    );
  /** Holds the next send until released; resolves once it has started. */
  const holdNextSend = async (): Promise<() => void> => {
    const h = { started: false, release: () => undefined as void };
    hold = h;
    const orderId = uniqueName('held');
    await publish(service.topics.licenseAllocated, orderId, line(orderId, 0));
    await waitUntil(() => Promise.resolve(h.started), 10000, 'the held send started');
    return () => h.release();
  };
  const expectEachSentOnce = async (emails: string[]) => {
    await waitUntil(async () => (await Promise.all(emails.map((e) => sink.messages(e)))).every((m) => m.length >= 1), 20000, 'every e-mail sent');
    await new Promise((r) => setTimeout(r, 500));
    for (const e of emails) expect(await sink.messages(e)).toHaveLength(1);
  };

  it('sends at most claimSize e-mails at a time, however many were queued', async () => {
    const release = await holdNextSend();
    const orderId = uniqueName('cap');
    const burst = Array.from({ length: 5 }, (_, i) => line(orderId, i));
    await publish(service.topics.licenseAllocated, orderId, ...burst);
    await waitUntil(async () => (await rowsOf(orderId)).length === 5, 10000, 'the burst queued');
    release();

    const emails = burst.map((a) => a.data.customer.email);
    await expectEachSentOnce(emails);
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(2);
    expect(calls.filter((c) => c.some((to) => emails.includes(to))).length).toBeGreaterThanOrEqual(3);
    for (const row of await rowsOf(orderId)) expect(row).toMatchObject({ status: 'sent', attempts: 1, reclaims: 0 });
  });

  it('gives back unsent a queued e-mail whose lease ends too soon, and it is claimed and sent once (not counted as interrupted)', async () => {
    const release = await holdNextSend();
    const orderId = uniqueName('late');
    const burst = [line(orderId, 0), line(orderId, 1)];
    await publish(service.topics.licenseAllocated, orderId, ...burst);
    await waitUntil(async () => (await rowsOf(orderId)).length === 2, 10000, 'queued');
    expect((await rowsOf(orderId)).map((r) => r.status)).toEqual(['sending', 'sending']);
    // 3.5 s of its 5 s lease gone: less than the 2 s a send and its record may take is left.
    await new Promise((r) => setTimeout(r, 3500));
    const queuedSends = calls.length;
    release();

    const emails = burst.map((a) => a.data.customer.email);
    await expectEachSentOnce(emails);
    const rows = await rowsOf(orderId);
    // Claimed again by the poll after it was given back (claimed_at moved past the hold), with no
    // reclaim used and the given-back attempt not counted.
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'sent', attempts: 1, reclaims: 0 });
      expect(Number(row.late_ms)).toBeGreaterThan(3000);
    }
    expect(
      calls
        .slice(queuedSends)
        .flat()
        .filter((to) => emails.includes(to)),
    ).toHaveLength(2);
  });

  it('gives back unsent an e-mail whose send is held past its start-by time, and it is claimed and sent once (no attempt counted)', async () => {
    const h = { started: false, release: () => undefined as void };
    hold = h;
    const orderId = uniqueName('held-late');
    const allocated = line(orderId, 0);
    await publish(service.topics.licenseAllocated, orderId, allocated);
    await waitUntil(() => Promise.resolve(h.started), 10000, 'the held send started');
    // 3.5 s of its 5 s lease gone: past the start-by time (lease end - 2 s), so no request starts.
    await new Promise((r) => setTimeout(r, 3500));
    h.release();

    await expectEachSentOnce([allocated.data.customer.email]);
    const [row] = await rowsOf(orderId);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, reclaims: 0 });
    expect(Number(row.late_ms)).toBeGreaterThan(3000);
  });

  it('queues e-mails unclaimed (pending, for the poll) once the hand-off queue holds 2 × claimSize, and sends each once', async () => {
    const release = await holdNextSend();
    const orderId = uniqueName('overflow');
    const burst = Array.from({ length: 6 }, (_, i) => line(orderId, i));
    for (const [i, allocated] of burst.entries()) {
      await publish(service.topics.licenseAllocated, orderId, allocated);
      await waitUntil(async () => (await rowsOf(orderId)).length === i + 1, 10000, `line ${i + 1} queued`);
    }
    const rows = await rowsOf(orderId);
    expect(rows.slice(0, 4).map((r) => r.status)).toEqual(['sending', 'sending', 'sending', 'sending']);
    expect(rows.slice(4).map((r) => [r.status, r.claim_token, r.attempts])).toEqual([
      ['pending', null, 0],
      ['pending', null, 0],
    ]);
    release();

    await expectEachSentOnce(burst.map((a) => a.data.customer.email));
    for (const row of await rowsOf(orderId)) expect(row).toMatchObject({ status: 'sent', attempts: 1, reclaims: 0 });
  });
});
