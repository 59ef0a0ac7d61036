// The console's server without a browser: sign-in and its cookie, what goes on to a service
// (the user's key, only named query parameters), what comes back (no license values outside
// the reveal), and the bounds and refusals. The services are a fake HTTP server here; the
// browser test runs the real ones.
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_KEYS, testKafka } from '@keypool/testing';
import { AlertsFeed } from './alerts-feed';
import { consoleConfig } from './config';
import { DeadLetters } from './dead-letters';
import { type RunningConsole, startConsoleServer } from './server';
import { callService } from './service-api';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('console server', () => {
  let fake: Server;
  let fakeUrl: string;
  let app: RunningConsole;
  const seen: Seen[] = [];
  const logged: Record<string, unknown>[] = [];
  const order = {
    orderId: 'ord_1',
    lines: [
      { lineId: '1', licensesMasked: false, licenses: [{ licenseId: 'lic_1', value: 'SHOWN-ON-ORDER-PAGE-1234' }] },
      { lineId: '2', licensesMasked: true, licenses: [{ licenseId: 'lic_2', value: 'ABCD…WXYZ' }] },
    ],
  };

  beforeAll(async () => {
    fake = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const answer = req.url?.startsWith('/v1/orders/ord_1') ? order : req.url?.startsWith('/v1/orders?') ? { orders: [order] } : [{ id: 'pool-1' }];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const config = consoleConfig({
      CONSOLE_PORT: '0',
      API_KEYS: `${TEST_KEYS.support}=support,${TEST_KEYS.acme}=merchant:m_acme`,
      POOL_URL: fakeUrl,
      FULFILLMENT_URL: fakeUrl,
    });
    const kafka = testKafka();
    // The feed is not started: these tests never reach Kafka.
    app = await startConsoleServer({
      config,
      deadLetters: new DeadLetters(kafka, config.topics),
      alerts: new AlertsFeed(kafka, config.topics.poolLow, 10),
      log: (entry) => logged.push(entry),
    });
  });
  afterAll(async () => {
    await app?.close();
    fake?.closeAllConnections();
    await new Promise((resolve) => fake?.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${app.url}${path}`, init);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-keypool-console': '1', ...headers }, body: JSON.stringify(body) });
  async function signIn(key: string): Promise<string> {
    const response = await post('/api/session', { key });
    expect(response.status).toBe(200);
    return (response.headers.get('set-cookie') ?? '').split(';')[0];
  }

  it('serves its pages and uPlot from node_modules, with a CSP that allows only its own scripts', async () => {
    const page = await call('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/console.js" defer></script>');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const uplot = await call('/vendor/uPlot.iife.min.js');
    expect(uplot.status).toBe(200);
    expect(uplot.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await call('/../package.json')).status).toBe(404);
    // A PoolLow e-mail links to /pools/<poolId>: the same page, which opens that pool.
    const deepLink = await call('/pools/3f6c1a52-0000-4000-8000-000000000001');
    expect(deepLink.status).toBe(200);
    expect(deepLink.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await call('/pools/a/b')).status).toBe(404);
    expect((await call('/', { method: 'POST' })).status).toBe(405);
  });

  it('signs in with a known key into an httpOnly, SameSite=Strict cookie that does not hold the key', async () => {
    expect((await call('/api/pools')).status).toBe(401);
    expect(
      (await call('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: TEST_KEYS.acme }) })).status,
    ).toBe(403);
    const unknown = await post('/api/session', { key: 'not-a-known-key' });
    expect(unknown.status).toBe(401);
    expect((await post('/api/session', { key: 'short' })).status).toBe(400);

    const response = await post('/api/session', { key: TEST_KEYS.acme });
    expect(await response.json()).toEqual({ kind: 'merchant', merchantId: 'm_acme' });
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^keypool_console=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=28800$/);
    expect(cookie).not.toContain(TEST_KEYS.acme);
    const session = cookie.split(';')[0];
    expect(await (await call('/api/session', { headers: { cookie: session } })).json()).toEqual({ kind: 'merchant', merchantId: 'm_acme' });

    // The log names the key by its id only.
    expect(logged).toEqual([expect.objectContaining({ msg: 'signed in', kind: 'merchant', keyId: expect.stringMatching(/^key_[0-9a-f]{12}$/) })]);
    expect(JSON.stringify(logged)).not.toContain(TEST_KEYS.acme);

    expect((await call('/api/session', { method: 'DELETE', headers: { cookie: session, 'x-keypool-console': '1' } })).status).toBe(204);
    expect((await call('/api/pools', { headers: { cookie: session } })).status).toBe(401);
  });

  it("calls the service with the user's own key and only the query parameters it names", async () => {
    const session = await signIn(TEST_KEYS.acme);
    const response = await call('/api/pools?merchantId=m_acme&mode=live&includeArchived=true&evil=1', { headers: { cookie: session } });
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v1/pools?merchantId=m_acme&mode=live' });
    expect(seen[0].headers.authorization).toBe(`Bearer ${TEST_KEYS.acme}`);
    expect(seen[0].headers.cookie).toBeUndefined();

    await call(`/api/orders/${encodeURIComponent('a/b?c')}`, { headers: { cookie: session } });
    expect(seen[1].url).toBe('/v1/orders/a%2Fb%3Fc');
  });

  it('drops license values from order views: the page shows them only through the audited reveal', async () => {
    const session = await signIn(TEST_KEYS.support);
    const one = (await (await call('/api/orders/ord_1', { headers: { cookie: session } })).json()) as typeof order;
    expect(one.lines[0].licenses).toEqual([{ licenseId: 'lic_1' }]);
    expect(one.lines[1].licenses).toEqual([{ licenseId: 'lic_2', value: 'ABCD…WXYZ' }]);
    const list = await (await call('/api/orders?merchantId=m_acme&customerEmail=ann%40example.com', { headers: { cookie: session } })).text();
    expect(list).not.toContain('SHOWN-ON-ORDER-PAGE');

    const reveal = await post('/api/orders/ord_1/lines/1/licenses/reveal', { reason: 'ticket 4711: lost e-mail' }, { cookie: session });
    expect(reveal.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/orders/ord_1/lines/1/licenses/reveal', body: '{"reason":"ticket 4711: lost e-mail"}' });
  });

  it('keeps dead letters to support keys, and checks topic and body before Kafka is asked', async () => {
    const merchant = await signIn(TEST_KEYS.acme);
    expect((await call('/api/dead-letters', { headers: { cookie: merchant } })).status).toBe(403);
    expect((await post('/api/dead-letters/order-paid.dlq/redrive', { positions: ['0:1'] }, { cookie: merchant })).status).toBe(403);

    const support = await signIn(TEST_KEYS.support);
    const notOurs = await post('/api/dead-letters/someone-else.dlq/redrive', { positions: ['0:1'] }, { cookie: support });
    expect(notOurs.status).toBe(404);
    expect(((await notOurs.json()) as { message: string }).message).toBe('someone-else.dlq is not a dead-letter topic of this system');
    const bad = await post('/api/dead-letters/order-paid.dlq/redrive', { positions: ['zero:one'] }, { cookie: support });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('positions: "zero:one" is not <partition>:<offset>');
    expect((await post('/api/dead-letters/order-paid.dlq/redrive', {}, { cookie: support })).status).toBe(400);
    expect((await call('/api/dead-letters/order-paid.dlq?limit=100000', { headers: { cookie: support } })).status).toBe(400);
    expect((await call('/api/dead-letters/order-paid.dlq?since=yesterday', { headers: { cookie: support } })).status).toBe(400);
  });

  it('bounds what it takes, and says which service is away', async () => {
    const session = await signIn(TEST_KEYS.support);
    expect((await post('/api/orders/ord_1/resend', { pad: 'x'.repeat(20_000) }, { cookie: session })).status).toBe(413);
    expect((await call(`/api/orders/${'o'.repeat(201)}`, { headers: { cookie: session } })).status).toBe(400);
    expect((await call('/api/nothing-here', { headers: { cookie: session } })).status).toBe(404);
    const text = await post('/api/orders/ord_1/resend', 'x', { cookie: session, 'content-type': 'text/plain' });
    expect(text.status).toBe(415);

    // Port 9 (discard) has no listener here: refused at once.
    const away = await callService('http://127.0.0.1:9', 'pool-service', TEST_KEYS.support, 'GET', '/pools');
    expect(away).toEqual({
      status: 502,
      body: { statusCode: 502, error: 'Bad Gateway', message: 'pool-service is not reachable at http://127.0.0.1:9; is it running?' },
    });
  });

  // Last: it blocks sign-in from 127.0.0.1, where every test here comes from.
  it('answers 429 to an address that tried 20 unknown keys within a minute, even for a good key', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await post('/api/session', { key: `guess-number-${i}` })).status);
    // The sign-in test above tried one unknown key already: 19 more are answered, the 20th is not.
    expect(statuses).toEqual([...Array<number>(19).fill(401), 429]);
    const blocked = await post('/api/session', { key: TEST_KEYS.support });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('60');
  });
});
