// The inbox page renders sender-controlled text; it must never become markup.
import request from 'supertest';
import { createSinkServer, type Sink } from './sink';

const API_KEY = 'SG.inbox-key';

function mailBody(subject: string, html: string, to = 'buyer@example.com') {
  return {
    personalizations: [{ to: [{ email: to }] }],
    from: { email: 'licenses@keypool.test' },
    subject,
    content: [
      { type: 'text/plain', value: `plain <b>${subject}</b>` },
      { type: 'text/html', value: html },
    ],
  };
}

describe('GET / inbox page', () => {
  let sink: Sink;
  beforeEach(() => {
    sink = createSinkServer({ apiKey: API_KEY });
  });

  async function send(body: object): Promise<void> {
    const response = await request(sink.server).post('/v3/mail/send').set('Authorization', `Bearer ${API_KEY}`).send(body);
    expect(response.status).toBe(202);
  }

  it('HTML-escapes the subject and text, and puts the HTML part only into a sandboxed srcdoc', async () => {
    await send(mailBody('<script>alert(1)</script>', '<p onclick="x()">Hi & "bye"</p>'));

    const page = await request(sink.server).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).toContain('plain &lt;b&gt;');
    expect(page.text).toContain('<iframe sandbox="" ');
    expect(page.text).toContain('srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Hi &amp; &quot;bye&quot;&lt;/p&gt;"');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('lists e-mails newest first with their recipients', async () => {
    await send(mailBody('Older order', '<p>1</p>', 'first@example.com'));
    await send(mailBody('Newer order', '<p>2</p>', 'second@example.com'));

    const page = (await request(sink.server).get('/')).text;
    expect(page.indexOf('Newer order')).toBeGreaterThan(-1);
    expect(page.indexOf('Newer order')).toBeLessThan(page.indexOf('Older order'));
    expect(page).toContain('second@example.com');
  });

  it('explains itself when empty', async () => {
    const page = (await request(sink.server).get('/')).text;
    expect(page).toContain('No e-mails yet');
  });
});
