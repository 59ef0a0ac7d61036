// Malformed mail/send bodies over raw HTTP: each must be rejected with 400,
// SendGrid's error shape, and the offending field named — and never stored.
import request from 'supertest';
import { createSinkServer, type Sink } from './sink';
import { MAX_SUBSTITUTION_BYTES } from './substitutions';

const API_KEY = 'SG.validation-key';

const validBody = {
  personalizations: [{ to: [{ email: 'buyer@example.com' }] }],
  from: { email: 'licenses@keypool.test' },
  subject: 'Your license key',
  content: [
    { type: 'text/plain', value: 'Key: AAAA' },
    { type: 'text/html', value: '<p>Key: AAAA</p>' },
  ],
};

describe('POST /v3/mail/send validation', () => {
  let sink: Sink;
  beforeEach(() => {
    sink = createSinkServer({ apiKey: API_KEY });
  });

  function send(body: unknown) {
    return request(sink.server)
      .post('/v3/mail/send')
      .set('Authorization', `Bearer ${API_KEY}`)
      .set('Content-Type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  }

  async function expectRejectedFields(body: unknown, fields: string[]): Promise<void> {
    const response = await send(body);
    expect(response.status).toBe(400);
    const errors = (response.body as { errors: { message: string; field: string | null; help: string | null }[] }).errors;
    expect(errors.map((e) => e.field)).toEqual(fields);
    for (const error of errors) expect(error.message.length).toBeGreaterThan(0);
    expect(sink.store.size).toBe(0);
  }

  it('accepts the valid baseline body (so the cases below fail for their own reason)', async () => {
    const response = await send(validBody);
    expect(response.status).toBe(202);
    expect(response.text).toBe('');
  });

  it.each<[string, unknown, string[]]>([
    ['a body that is not JSON', '{"personalizations": [', ['(root)']],
    ['a JSON array instead of an object', [validBody], ['(root)']],
    ['missing personalizations', { ...validBody, personalizations: undefined }, ['personalizations']],
    ['empty personalizations', { ...validBody, personalizations: [] }, ['personalizations']],
    ['personalizations that is not an array', { ...validBody, personalizations: { to: [] } }, ['personalizations']],
    ['a personalization without to', { ...validBody, personalizations: [{ cc: [{ email: 'a@example.com' }] }] }, ['personalizations.0.to']],
    ['an invalid recipient address', { ...validBody, personalizations: [{ to: [{ email: 'not-an-address' }] }] }, ['personalizations.0.to.0.email']],
    [
      'a display name in the email field',
      { ...validBody, personalizations: [{ to: [{ email: 'Buyer <b@example.com>' }] }] },
      ['personalizations.0.to.0.email'],
    ],
    [
      'the same address in to and cc',
      { ...validBody, personalizations: [{ to: [{ email: 'a@example.com' }], cc: [{ email: 'A@example.com' }] }] },
      ['personalizations.0.cc'],
    ],
    ['a missing from', { ...validBody, from: undefined }, ['from.email']],
    ['an invalid from address', { ...validBody, from: { email: 'licenses' } }, ['from.email']],
    ['a missing subject', { ...validBody, subject: undefined }, ['subject']],
    [
      'a subject in only some personalizations',
      { ...validBody, subject: undefined, personalizations: [{ to: [{ email: 'a@example.com' }], subject: 'Hi' }, { to: [{ email: 'b@example.com' }] }] },
      ['subject'],
    ],
    ['missing content', { ...validBody, content: undefined }, ['content']],
    ['empty content', { ...validBody, content: [] }, ['content']],
    ['a content block with an empty value', { ...validBody, content: [{ type: 'text/plain', value: '' }] }, ['content.0.value']],
    ['a content block without type', { ...validBody, content: [{ value: 'hello' }] }, ['content.0.type']],
    ['text/html before text/plain', { ...validBody, content: [...validBody.content].reverse() }, ['content']],
    [
      'a numeric substitution value',
      { ...validBody, personalizations: [{ to: [{ email: 'a@example.com' }], substitutions: { '{{a}}': 'x', '{{n}}': 42 } }] },
      ['personalizations.0.substitutions'],
    ],
    [
      'substitutions that are not an object',
      { ...validBody, personalizations: [{ to: [{ email: 'a@example.com' }] }, { to: [{ email: 'b@example.com' }], substitutions: ['x'] }] },
      ['personalizations.1.substitutions'],
    ],
    [
      'substitutions over 10,000 bytes',
      { ...validBody, personalizations: [{ to: [{ email: 'a@example.com' }], substitutions: { k: 'x'.repeat(10_000) } }] },
      ['personalizations.0.substitutions'],
    ],
    ['a numeric custom_args value', { ...validBody, custom_args: { order_id: 42 } }, ['custom_args.order_id']],
    ['several problems at once', { personalizations: [], from: {}, content: [] }, ['personalizations', 'from.email', 'subject', 'content']],
  ])('rejects %s', (_label, body, fields) => expectRejectedFields(body, fields));

  describe(`substitutions size limit (${MAX_SUBSTITUTION_BYTES} UTF-8 bytes of keys plus values)`, () => {
    const withSubstitutions = (substitutions: Record<string, string>) => ({
      ...validBody,
      personalizations: [{ to: [{ email: 'a@example.com' }], substitutions }],
    });
    // "€" is 3 bytes in UTF-8: the limit is about bytes, not characters.
    const euros = (bytes: number) => '€'.repeat(bytes / 3);

    it('accepts exactly the limit', async () => {
      expect(MAX_SUBSTITUTION_BYTES).toBe(10_000);
      const body = withSubstitutions({ '{{k}}': 'xx', '{{price}}': euros(9_984) }); // 5 + 2 + 9 + 9984 = 10000
      expect((await send(body)).status).toBe(202);
    });

    it("rejects one byte more with SendGrid's message, even though it is fewer than 10,000 characters", async () => {
      const body = withSubstitutions({ '{{k}}': 'xxx', '{{price}}': euros(9_984) }); // 10001 bytes, 3345 characters
      const response = await send(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(substitutionsError('The total size of your substitutions may not exceed 10000 bytes per personalization object.'));
      expect(sink.store.size).toBe(0);
    });

    it('applies per personalization, not per request', async () => {
      const big = { '{{k}}': 'x'.repeat(MAX_SUBSTITUTION_BYTES - 5) };
      const body = {
        ...validBody,
        personalizations: [
          { to: [{ email: 'a@example.com' }], substitutions: big },
          { to: [{ email: 'b@example.com' }], substitutions: big },
        ],
      };
      expect((await send(body)).status).toBe(202);
      expect(sink.store.size).toBe(2);
    });
  });

  it('names the key of a non-string substitution value in the message', async () => {
    const response = await send({ ...validBody, personalizations: [{ to: [{ email: 'a@example.com' }], substitutions: { '{{n}}': 42 } }] });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(substitutionsError('Substitution values must be strings; the value of "{{n}}" is not.'));
  });

  it('uses SendGrid help links for field errors', async () => {
    const response = await send({ ...validBody, subject: undefined });
    expect(response.body).toEqual({
      errors: [
        {
          field: 'subject',
          message: expect.stringContaining('The subject is required'),
          help: 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.subject',
        },
      ],
    });
  });

  it('accepts a subject given in every personalization instead of at the top level', async () => {
    const body = { ...validBody, subject: undefined, personalizations: [{ to: [{ email: 'a@example.com' }], subject: 'Hi' }] };
    expect((await send(body)).status).toBe(202);
    expect(sink.store.list()[0]?.subject).toBe('Hi');
  });

  it('accepts a template_id without subject or content', async () => {
    const body = { ...validBody, subject: undefined, content: undefined, template_id: 'd-0123456789abcdef' };
    expect((await send(body)).status).toBe(202);
    expect(sink.store.list()[0]).toMatchObject({ template_id: 'd-0123456789abcdef', subject: null, text: null });
  });
});

function substitutionsError(message: string) {
  return {
    errors: [
      {
        field: 'personalizations.0.substitutions',
        message,
        help: 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.personalizations.substitutions',
      },
    ],
  };
}
