import { randomUUID } from 'node:crypto';
import { SINK_API_KEY, SinkProcess } from '@keypool/testing';
import { RetryBudget } from './retry-budget';
import { type OutgoingMail, SendGridDelivery } from './sendgrid-delivery';

// The real @sendgrid/mail client against the SendGrid-compatible sink: no request starts after
// sendAll's `startBy`, so a claim's lease outlives every send it starts.
describe('SendGridDelivery.sendAll start-by deadline', () => {
  let sink: SinkProcess;
  let delivery: SendGridDelivery;

  beforeAll(async () => {
    sink = await SinkProcess.start();
    delivery = new SendGridDelivery({
      apiKey: SINK_API_KEY,
      baseUrl: sink.url,
      timeoutMs: 5000,
      batchSize: 1, // each e-mail its own request, so three e-mails are three waves at concurrency 1
      retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
    });
  });
  afterAll(() => sink.stop());
  afterEach(() => jest.restoreAllMocks());

  const mails = (run: string): OutgoingMail[] =>
    [1, 2, 3].map((n) => ({
      from: { email: 'shop@example.com', name: 'Shop' },
      to: [`c${n}-${run}@example.com`],
      subject: 'Your key',
      text: 'KEY',
      html: '<p>KEY</p>',
      customArgs: { n: String(n) },
      categories: ['license'],
    }));
  const received = async (run: string) => (await Promise.all([1, 2, 3].map((n) => sink.messages(`c${n}-${run}@example.com`)))).map((m) => m.length);

  it('sends every e-mail when there is time', async () => {
    const run = randomUUID();
    const outcomes = await delivery.sendAll(mails(run), new RetryBudget(5000), 1, Date.now() + 60_000);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    expect(await received(run)).toEqual([1, 1, 1]);
  });

  it('starts no request once the start-by time has passed: the later waves come back unsent, with no attempt', async () => {
    const run = randomUUID();
    let clock = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => clock);
    const send = delivery.send.bind(delivery);
    jest.spyOn(delivery, 'send').mockImplementation(async (mail, budget) => {
      const outcome = await send(mail, budget);
      clock += 100; // the first request took past the start-by time
      return outcome;
    });
    const outcomes = await delivery.sendAll(mails(run), new RetryBudget(5000), 1, clock + 50);
    jest.restoreAllMocks();
    expect(outcomes[0].ok).toBe(true);
    for (const late of outcomes.slice(1)) {
      expect(late).toMatchObject({ ok: false, permanent: false, attempts: [], notStarted: true });
    }
    expect(await received(run)).toEqual([1, 0, 0]);
  });
});
