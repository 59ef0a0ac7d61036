import { checkSenderSettings, fromOf } from './merchant-senders.handler';

describe('merchant sender settings', () => {
  it('keeps a name and a reply-to, trimmed; absent, null or blank means the platform default', () => {
    expect(checkSenderSettings({ senderName: '  Acme Software, Inc. ', replyTo: ' support@acme.example ' })).toEqual({
      ok: true,
      value: { senderName: 'Acme Software, Inc.', replyTo: 'support@acme.example' },
    });
    expect(checkSenderSettings({})).toEqual({ ok: true, value: { senderName: null, replyTo: null } });
    expect(checkSenderSettings({ senderName: null, replyTo: '  ' })).toEqual({ ok: true, value: { senderName: null, replyTo: null } });
    expect(checkSenderSettings({ senderName: 'Магазин «Ключ»' })).toMatchObject({ ok: true });
  });

  it.each([
    ['a CR/LF in the name (header injection)', { senderName: 'Acme\r\nBcc: victim@example.com' }, 'senderName may not contain line breaks'],
    ['a bare LF in the name', { senderName: 'Acme\nX' }, 'senderName may not contain line breaks'],
    ['a text-direction override', { senderName: 'Acme \u202eepyaP' }, 'senderName may not contain'],
    ['an address as the name', { senderName: 'service@paypal.com' }, 'senderName may not contain'],
    ['a name over 100 characters', { senderName: 'A'.repeat(101) }, 'senderName is longer than 100 characters'],
    ['a name that is not a string', { senderName: 42 }, 'senderName must be a string or null'],
    ['a reply-to with a header after it', { replyTo: 'support@acme.example\r\nBcc: x@y.z' }, 'replyTo is not one valid e-mail address'],
    ['two reply-to addresses', { replyTo: 'a@acme.example, b@acme.example' }, 'replyTo is not one valid e-mail address'],
    ['a reply-to with a display name', { replyTo: 'Acme <a@acme.example>' }, 'replyTo is not one valid e-mail address'],
    ['a reply-to over 254 characters', { replyTo: `${'a'.repeat(250)}@acme.example` }, 'replyTo is not one valid e-mail address'],
  ])('refuses %s', (_, body, message) => {
    const checked = checkSenderSettings(body);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.errors.join('; ')).toContain(message);
  });

  it("keeps the platform's verified address in From, under the merchant's name when it set one", () => {
    const platform = { email: 'licenses@keypool.example', name: 'keypool' };
    expect(fromOf(platform, { senderName: 'Acme Software', replyTo: null })).toEqual({ email: 'licenses@keypool.example', name: 'Acme Software' });
    expect(fromOf(platform, { senderName: null, replyTo: 'support@acme.example' })).toEqual(platform);
  });
});
