// End-to-end behaviour of the sink as seen by the real @sendgrid/mail client.
import type { MailDataRequired } from '@sendgrid/mail';
import { mailServiceForSink } from './sendgrid-client-for-sink';
import { startSinkServer, type RunningSink } from './sink';
import type { StoredMessage } from './stored-message';

const API_KEY = 'SG.test-key';

const licenseMail: MailDataRequired = {
  to: 'buyer@example.com',
  from: { email: 'licenses@keypool.test', name: 'Keypool' },
  subject: 'Your license key',
  text: 'Key: AAAA-BBBB',
  html: '<p>Key: <b>AAAA-BBBB</b></p>',
  categories: ['license'],
  customArgs: { order_id: 'ord-1' },
};

describe('sendgrid-sink with the real @sendgrid/mail client', () => {
  let sink: RunningSink;

  beforeEach(async () => {
    sink = await startSinkServer({ apiKey: API_KEY });
  });
  afterEach(() => sink.close());

  async function getMessages(query = ''): Promise<StoredMessage[]> {
    const response = await fetch(`${sink.url}/__messages${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as StoredMessage[];
  }

  it('accepts a send with 202 and stores it under the X-Message-Id the client received', async () => {
    const [response] = await mailServiceForSink(sink.url, API_KEY).send(licenseMail);

    expect(response.statusCode).toBe(202);
    const messageId = response.headers['x-message-id'];
    expect(messageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const [stored] = await getMessages();
    expect(stored).toMatchObject({
      id: messageId,
      requestId: messageId,
      personalization: 0,
      from: { email: 'licenses@keypool.test', name: 'Keypool' },
      reply_to: null,
      to: ['buyer@example.com'],
      subject: 'Your license key',
      text: 'Key: AAAA-BBBB',
      html: '<p>Key: <b>AAAA-BBBB</b></p>',
      categories: ['license'],
      custom_args: { order_id: 'ord-1' },
    });
    const byId = await fetch(`${sink.url}/__messages/${messageId}`);
    expect(((await byId.json()) as StoredMessage).subject).toBe('Your license key');
  });

  it('stores the reply-to the client sent', async () => {
    await mailServiceForSink(sink.url, API_KEY).send({ ...licenseMail, replyTo: { email: 'support@acme.example', name: 'Acme Support' } });
    const [stored] = await getMessages();
    expect(stored.reply_to).toEqual({ email: 'support@acme.example', name: 'Acme Support' });
    expect(stored.from).toEqual({ email: 'licenses@keypool.test', name: 'Keypool' });
  });

  it("stores one e-mail per personalization, with the helper's {{wrapped}} substitutions applied", async () => {
    // The form the notification service uses for bulk license mail: bare keys
    // in `substitutions`, which the helper wraps in "{{" "}}" on the wire.
    const bulk: MailDataRequired = {
      from: { email: 'licenses@keypool.test', name: 'Keypool' },
      subject: 'Your license key',
      personalizations: ['a', 'b', 'c'].map((name, i) => ({
        to: `${name}@example.com`,
        subject: `Your key for product ${i}`,
        customArgs: { keypool_event_id: `evt-${name}` },
        substitutions: { keypoolText: `Key ${name.toUpperCase()}`, keypoolHtml: `<b>${name.toUpperCase()}</b>` },
      })),
      content: [
        { type: 'text/plain', value: '{{keypoolText}}' },
        { type: 'text/html', value: '<p>{{keypoolHtml}}</p>' },
      ],
      categories: ['keypool-license'],
      customArgs: { batch: 'b-1' },
    };

    const [response] = await mailServiceForSink(sink.url, API_KEY).send(bulk);

    expect(response.statusCode).toBe(202);
    const requestId = response.headers['x-message-id'] as string;
    const stored = await getMessages();
    expect(stored.map((m) => m.id)).toEqual([requestId, `${requestId}.1`, `${requestId}.2`]);
    expect(stored).toMatchObject(
      ['a', 'b', 'c'].map((name, i) => ({
        requestId,
        personalization: i,
        to: [`${name}@example.com`],
        cc: [],
        bcc: [],
        subject: `Your key for product ${i}`,
        text: `Key ${name.toUpperCase()}`,
        html: `<p><b>${name.toUpperCase()}</b></p>`,
        custom_args: { batch: 'b-1', keypool_event_id: `evt-${name}` },
        categories: ['keypool-license'],
      })),
    );
    // What actually went over the wire: the helper wrapped the keys.
    expect((stored[0]?.requestBody.personalizations as unknown[])[0]).toMatchObject({
      substitutions: { '{{keypoolText}}': 'Key A', '{{keypoolHtml}}': '<b>A</b>' },
    });
    expect((await getMessages('?to=b%40example.com')).map((m) => m.id)).toEqual([`${requestId}.1`]);
    const second = await fetch(`${sink.url}/__messages/${requestId}.1`);
    expect(((await second.json()) as StoredMessage).text).toBe('Key B');
  });

  it.each([
    ['a wrong key', 'SG.wrong-key'],
    ['no key at all (no Authorization header)', undefined],
  ])('rejects %s with 401, surfaced by the client as an error with code 401', async (_label, key) => {
    const sending = mailServiceForSink(sink.url, key).send(licenseMail);

    await expect(sending).rejects.toMatchObject({
      code: 401,
      response: { body: { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked' }] } },
    });
    expect(sink.store.size).toBe(0);
  });

  it('serves injected 429s with Retry-After, stores nothing for them, then accepts again', async () => {
    const fail = await fetch(`${sink.url}/__control/fail`, {
      method: 'POST',
      body: JSON.stringify({ status: 429, count: 2, retryAfter: 7 }),
    });
    expect(fail.status).toBe(200);
    const mail = mailServiceForSink(sink.url, API_KEY);

    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(mail.send(licenseMail)).rejects.toMatchObject({
        code: 429,
        response: { headers: { 'retry-after': '7' }, body: { errors: [{ message: 'too many requests' }] } },
      });
    }
    expect(sink.store.size).toBe(0);
    const [response] = await mail.send(licenseMail);
    expect(response.statusCode).toBe(202);
    expect(await getMessages()).toHaveLength(1);
  });

  it('serves an injected 500 once, without a Retry-After header', async () => {
    sink.controls.failNext({ status: 500 });
    const mail = mailServiceForSink(sink.url, API_KEY);

    const error: unknown = await mail.send(licenseMail).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 500 });
    expect(error).not.toHaveProperty(['response', 'headers', 'retry-after']);
    await expect(mail.send(licenseMail)).resolves.toBeDefined();
  });

  it('rejects invalid fault specs and clears pending faults on reset', async () => {
    const bad = await fetch(`${sink.url}/__control/fail`, { method: 'POST', body: '{"status":404}' });
    expect(bad.status).toBe(400);
    sink.controls.failNext({ status: 503, count: 5 });

    const reset = await fetch(`${sink.url}/__control/reset`, { method: 'POST' });
    expect(reset.status).toBe(204);
    expect(sink.controls.pendingFaults()).toBe(0);
    await expect(mailServiceForSink(sink.url, API_KEY).send(licenseMail)).resolves.toBeDefined();
  });

  it('filters /__messages by recipient and time, and DELETE empties it', async () => {
    const mail = mailServiceForSink(sink.url, API_KEY);
    await mail.send({ ...licenseMail, to: 'first@example.com' });
    await new Promise((resolve) => setTimeout(resolve, 5)); // distinct receivedAt
    const between = new Date().toISOString();
    await mail.send({ ...licenseMail, to: 'second@example.com', cc: 'Audit@Example.com' });

    expect((await getMessages('?to=first%40example.com')).map((m) => m.to)).toEqual([['first@example.com']]);
    expect(await getMessages('?to=audit@example.com')).toHaveLength(1);
    expect((await getMessages(`?since=${encodeURIComponent(between)}`)).map((m) => m.to)).toEqual([['second@example.com']]);
    expect((await fetch(`${sink.url}/__messages?since=yesterday`)).status).toBe(400);

    expect((await fetch(`${sink.url}/__messages`, { method: 'DELETE' })).status).toBe(204);
    expect(await getMessages()).toEqual([]);
  });

  it('keeps only the newest maxMessages messages', async () => {
    const small = await startSinkServer({ apiKey: API_KEY, maxMessages: 2 });
    try {
      const mail = mailServiceForSink(small.url, API_KEY);
      for (const subject of ['one', 'two', 'three']) await mail.send({ ...licenseMail, subject });

      const response = await fetch(`${small.url}/__messages`);
      const subjects = ((await response.json()) as StoredMessage[]).map((m) => m.subject);
      expect(subjects).toEqual(['two', 'three']);
    } finally {
      await small.close();
    }
  });

  it('answers /health with 200', async () => {
    expect((await fetch(`${sink.url}/health`)).status).toBe(200);
  });
});
