// A request with several personalizations is several e-mails: the sink stores
// one message per personalization with that personalization's recipients,
// subject, custom_args and substitutions applied — over raw HTTP, in the
// exact wire form @sendgrid/mail produces for bulk mail.
import request from 'supertest';
import { createSinkServer, type Sink } from './sink';
import type { StoredMessage } from './stored-message';

const API_KEY = 'SG.personalizations-key';

function personalization(email: string, subject: string, eventId: string, text: string, html: string) {
  return {
    to: [{ email }],
    subject,
    custom_args: { keypool_event_id: eventId },
    substitutions: { '{{keypoolText}}': text, '{{keypoolHtml}}': html },
  };
}

const bulkBody = {
  from: { email: 'licenses@keypool.local', name: 'Acme' },
  subject: 'Top-level subject',
  personalizations: [
    personalization('a@example.com', 'Your key for X', 'evt-1', 'plain body A', '<p>html A</p>'),
    { ...personalization('b@example.com', 'Your key for Y', 'evt-2', 'plain body B', '<p>html B</p>'), cc: [{ email: 'audit@example.com' }] },
    { to: [{ email: 'c@example.com' }], substitutions: { '{{keypoolText}}': 'plain body C', '{{keypoolHtml}}': '<p>html C</p>' } },
  ],
  content: [
    { type: 'text/plain', value: 'Hello,\n{{keypoolText}}\nBye' },
    { type: 'text/html', value: '<div>{{keypoolHtml}}</div>' },
  ],
  categories: ['keypool-license'],
  custom_args: { keypool_batch: 'batch-1', keypool_event_id: 'overridden' },
  headers: { 'X-Batch': 'batch-1' },
};

describe('one stored message per personalization', () => {
  let sink: Sink;
  beforeEach(() => {
    sink = createSinkServer({ apiKey: API_KEY });
  });

  async function send(body: unknown): Promise<string> {
    const response = await request(sink.server)
      .post('/v3/mail/send')
      .set('Authorization', `Bearer ${API_KEY}`)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
    expect(response.status).toBe(202);
    return response.headers['x-message-id'];
  }

  it('stores three personalizations as three e-mails sharing the requestId, ids X, X.1, X.2', async () => {
    const requestId = await send(bulkBody);

    const stored = sink.store.list();
    expect(stored.map((m) => [m.id, m.requestId, m.personalization])).toEqual([
      [requestId, requestId, 0],
      [`${requestId}.1`, requestId, 1],
      [`${requestId}.2`, requestId, 2],
    ]);
    const pick = (m: StoredMessage) => ({ to: m.to, cc: m.cc, subject: m.subject, text: m.text, html: m.html, custom_args: m.custom_args });
    expect(stored.map(pick)).toEqual([
      {
        to: ['a@example.com'],
        cc: [],
        subject: 'Your key for X',
        text: 'Hello,\nplain body A\nBye',
        html: '<div><p>html A</p></div>',
        custom_args: { keypool_batch: 'batch-1', keypool_event_id: 'evt-1' },
      },
      {
        to: ['b@example.com'],
        cc: ['audit@example.com'],
        subject: 'Your key for Y',
        text: 'Hello,\nplain body B\nBye',
        html: '<div><p>html B</p></div>',
        custom_args: { keypool_batch: 'batch-1', keypool_event_id: 'evt-2' },
      },
      {
        to: ['c@example.com'],
        cc: [],
        subject: 'Top-level subject', // no subject of its own
        text: 'Hello,\nplain body C\nBye',
        html: '<div><p>html C</p></div>',
        custom_args: { keypool_batch: 'batch-1', keypool_event_id: 'overridden' },
      },
    ]);
    for (const message of stored) {
      expect(message).toMatchObject({
        from: { email: 'licenses@keypool.local', name: 'Acme' },
        categories: ['keypool-license'],
        headers: { 'X-Batch': 'batch-1' },
        requestBody: bulkBody,
      });
    }
  });

  it('finds each e-mail by its own id and by its own recipient only', async () => {
    const requestId = await send(bulkBody);

    const second = await request(sink.server).get(`/__messages/${requestId}.1`).expect(200);
    expect(second.body).toMatchObject({ id: `${requestId}.1`, requestId, personalization: 1, to: ['b@example.com'] });
    await request(sink.server).get(`/__messages/${requestId}.3`).expect(404);
    const forB = await request(sink.server).get('/__messages?to=b%40example.com').expect(200);
    expect((forB.body as StoredMessage[]).map((m) => m.id)).toEqual([`${requestId}.1`]);
    const forAudit = await request(sink.server).get('/__messages?to=audit%40example.com').expect(200);
    expect((forAudit.body as StoredMessage[]).map((m) => m.id)).toEqual([`${requestId}.1`]);
  });

  it('substitutes in one pass: a value that contains another key is not expanded again', async () => {
    await send({
      ...bulkBody,
      subject: undefined,
      personalizations: [
        {
          to: [{ email: 'a@example.com' }],
          subject: 'Key for -name-',
          substitutions: { '-name-': 'Ann -code-', '-code-': 'XYZ -name-', '-name-x': 'longer key wins' },
        },
      ],
      content: [{ type: 'text/plain', value: '-name- has -code-, -name-x, -name-.' }],
    });

    const [stored] = sink.store.list();
    expect(stored?.text).toBe('Ann -code- has XYZ -name-, longer key wins, Ann -code-.');
    expect(stored?.subject).toBe('Key for Ann -code-');
  });

  it('inserts values literally (no $-patterns) and treats keys literally (no regex)', async () => {
    await send({
      ...bulkBody,
      personalizations: [{ to: [{ email: 'a@example.com' }], substitutions: { '.*': '$& and $1', '(x)': '$$' } }],
      content: [{ type: 'text/plain', value: 'a .* b (x) c .*' }],
    });

    expect(sink.store.list()[0]?.text).toBe('a $& and $1 b $$ c $& and $1');
  });

  it('keeps a one-personalization request as one e-mail stored under the X-Message-Id', async () => {
    const requestId = await send({ ...bulkBody, personalizations: [bulkBody.personalizations[0]] });

    expect(sink.store.size).toBe(1);
    expect(sink.store.get(requestId)).toMatchObject({ id: requestId, requestId, personalization: 0, text: 'Hello,\nplain body A\nBye' });
  });

  it('counts stored e-mails, not requests, against maxMessages', async () => {
    sink = createSinkServer({ apiKey: API_KEY, maxMessages: 2 });
    const requestId = await send(bulkBody);

    expect(sink.store.list().map((m) => m.id)).toEqual([`${requestId}.1`, `${requestId}.2`]);
    expect(sink.store.get(requestId)).toBeUndefined();
  });
});
