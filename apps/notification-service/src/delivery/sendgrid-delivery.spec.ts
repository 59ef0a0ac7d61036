import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import { RetryBudget } from './retry-budget';
import { type OutgoingMail, SendGridDelivery } from './sendgrid-delivery';

// The requests are built as @sendgrid/helpers' Mail instead of plain data (which MailService
// copies through JSON): SendGrid must receive exactly the body the plain data gave.
describe('SendGridDelivery request bodies', () => {
  let bodies: string[];

  beforeEach(() => {
    bodies = [];
    jest.spyOn(Client.prototype, 'request').mockImplementation((request: { body?: unknown }) => {
      bodies.push(JSON.stringify(request.body));
      return Promise.resolve([{ statusCode: 202, headers: { 'x-message-id': 'msg-1' }, body: '' }, '']) as never;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  const settings = { apiKey: 'SG.test', baseUrl: 'http://127.0.0.1:9', timeoutMs: 1000, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } };
  const mail = (n: number, extra: Partial<OutgoingMail> = {}): OutgoingMail => ({
    from: { email: 'noreply@keypool.test', name: 'Acme via keypool' },
    to: [`customer${n}@example.com`],
    subject: `Your license ${n} — Ihre Lizenz`,
    text: `Hello,\n\nKEY-${n}\n`,
    html: `<p>Hello &amp; "welcome"</p>\n<ul class="licenses"><li><code>KEY-${n}</code></li></ul>`,
    customArgs: { keypool_event_id: `evt-${n}`, keypool_order_id: 'ord_1' },
    categories: ['keypool-license'],
    ...extra,
  });

  // The body MailService sent for the plain data this class gave it before.
  async function plainBody(data: Parameters<MailService['send']>[0]): Promise<string> {
    await new MailService().send(data);
    return bodies.pop()!;
  }

  it('sends one e-mail (several recipients, a reply-to address) as its plain data would have been sent', async () => {
    const one = mail(1, { to: ['a@example.com', 'b@example.com'], replyTo: { email: 'support@acme.test' }, categories: ['keypool-license', 'keypool-resend'] });
    const copy = structuredClone(one);
    const outcome = await new SendGridDelivery({ ...settings, batchSize: 1 }).send(one, new RetryBudget(1000));
    expect(outcome).toMatchObject({ ok: true, providerMessageId: 'msg-1' });
    expect(one).toEqual(copy);
    const sent = bodies.pop()!;
    expect(JSON.parse(sent)).toMatchObject({
      personalizations: [{ to: [{ email: 'a@example.com' }] }, { to: [{ email: 'b@example.com' }] }],
      reply_to: { email: 'support@acme.test' },
    });
    expect(sent).toBe(
      await plainBody({
        from: one.from,
        replyTo: one.replyTo,
        personalizations: one.to.map((email) => ({ to: [{ email }] })),
        subject: one.subject,
        content: [
          { type: 'text/plain', value: one.text },
          { type: 'text/html', value: one.html },
        ],
        customArgs: one.customArgs,
        categories: one.categories,
      }),
    );
  });

  it('sends a batch as one request whose personalizations carry each e-mail, as its plain data would have been sent', async () => {
    const mails = [1, 2, 3].map((n) => mail(n));
    const copies = structuredClone(mails);
    const outcomes = await new SendGridDelivery({ ...settings, batchSize: 10 }).sendAll(mails, new RetryBudget(1000), 1);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    expect(mails).toEqual(copies);
    expect(bodies).toHaveLength(1);
    const sent = bodies.pop()!;
    expect(JSON.parse(sent)).toMatchObject({
      personalizations: mails.map((m) => ({ subject: m.subject, substitutions: { '{{keypoolText}}': m.text, '{{keypoolHtml}}': m.html } })),
    });
    expect(sent).toBe(
      await plainBody({
        from: mails[0].from,
        personalizations: mails.map((m) => ({
          to: [{ email: m.to[0] }],
          subject: m.subject,
          customArgs: m.customArgs,
          substitutions: { keypoolText: m.text, keypoolHtml: m.html },
        })),
        content: [
          { type: 'text/plain', value: '{{keypoolText}}' },
          { type: 'text/html', value: '{{keypoolHtml}}' },
        ],
        categories: mails[0].categories,
      }),
    );
  });

  it('makes a field the helpers refuse a failed attempt, not a throw, as when they were given plain data', async () => {
    const bad = mail(1, { subject: 42 as unknown as string });
    const outcome = await new SendGridDelivery({ ...settings, batchSize: 1 }).send(bad, new RetryBudget(1000));
    expect(outcome).toMatchObject({
      ok: false,
      permanent: false,
      statusCode: null,
      reason: expect.stringMatching(/^SendGrid could not be reached: string expected for `subject`/),
    });
    expect(bodies).toHaveLength(0);
  });
});

describe('@sendgrid/helpers', () => {
  // MailService passes a Mail through as is only when it is an instance of its own helpers'
  // class; from a second copy it would rebuild it from toJSON(), wrapping the batch's
  // substitution keys twice ({{{{keypoolText}}}}) and sending the placeholders themselves.
  it('is the very copy @sendgrid/mail loads, so the Mail objects we build pass through unchanged', () => {
    const mailDir = require.resolve('@sendgrid/mail');
    expect(require.resolve('@sendgrid/helpers', { paths: [mailDir] })).toBe(require.resolve('@sendgrid/helpers'));
  });
});
