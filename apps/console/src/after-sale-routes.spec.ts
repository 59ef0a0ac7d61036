// The after-sale routes without a browser: what goes on to pool-service (the user's key, the
// method and path it expects, only the fields the console names), and how license values are
// kept in: POST bodies only, checked before they leave, dropped from answers unless masked,
// never in the log. pool-service is a fake HTTP server here; the browser test runs the real one.
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_KEYS, testKafka } from '@keypool/testing';
import { AlertsFeed } from './alerts-feed';
import { consoleConfig } from './config';
import { DeadLetters } from './dead-letters';
import { type RunningConsole, startConsoleServer } from './server';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const SECRET = 'SECRET-LICENSE-VALUE-0001';

describe('console after-sale routes (uploads, withdraw by value, key format, ledger)', () => {
  let fake: Server;
  let app: RunningConsole;
  let session: string;
  const seen: Seen[] = [];
  const logged: Record<string, unknown>[] = [];

  /** What the fake pool-service answers, by path. */
  function answer(url: string): unknown {
    if (url === '/v1/licenses/lookup') return { license: { licenseId: 'lic_1', value: SECRET, masked: false, status: 'allocated' }, history: [] };
    if (url === '/v1/licenses/lic_2/history')
      return { license: { licenseId: 'lic_2', value: 'ABCD…WXYZ', masked: true }, history: [{ at: 'x', kind: 'imported' }] };
    if (url === '/v1/licenses/lic_3') return { licenseId: 'lic_3', value: SECRET, status: 'revoked' };
    return { answered: url };
  }

  beforeAll(async () => {
    fake = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer(req.url ?? '')));
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const config = consoleConfig({ CONSOLE_PORT: '0', API_KEYS: `${TEST_KEYS.acme}=merchant:m_acme`, POOL_URL: fakeUrl, FULFILLMENT_URL: fakeUrl });
    const kafka = testKafka();
    app = await startConsoleServer({
      config,
      deadLetters: new DeadLetters(kafka, config.topics),
      alerts: new AlertsFeed(kafka, config.topics.poolLow, 10),
      log: (entry) => logged.push(entry),
    });
    const signedIn = await post('/api/session', { key: TEST_KEYS.acme }, {});
    expect(signedIn.status).toBe(200);
    session = (signedIn.headers.get('set-cookie') ?? '').split(';')[0];
  });
  afterAll(async () => {
    await app?.close();
    fake?.closeAllConnections();
    await new Promise((resolve) => fake?.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const get = (path: string) => fetch(`${app.url}${path}`, { headers: { cookie: session } });
  function post(path: string, body: unknown, headers: Record<string, string> = { cookie: session }) {
    return fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-keypool-console': '1', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('serves the after-sale scripts before console.js, and /licenses/<id> opens the page', async () => {
    const page = await (await fetch(`${app.url}/`)).text();
    expect(page.indexOf('/pool-page.js')).toBeGreaterThan(0);
    expect(page.indexOf('/licenses.js')).toBeLessThan(page.indexOf('/console.js'));
    for (const script of ['/pool-page.js', '/licenses.js']) {
      const response = await fetch(`${app.url}${script}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
    const deepLink = await fetch(`${app.url}/licenses/0190a0b2-0000-7000-8000-000000000001`);
    expect(deepLink.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it("reads a pool, its uploads (limit and after only), one upload and a license's history with the user's key", async () => {
    await get('/api/pools/p1');
    await get('/api/pools/p1/uploads?limit=20&after=u9&status=x');
    await get('/api/uploads/u1');
    await get('/api/licenses/lic_2/history');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /v1/pools/p1',
      'GET /v1/pools/p1/uploads?limit=20&after=u9',
      'GET /v1/uploads/u1',
      'GET /v1/licenses/lic_2/history',
    ]);
    expect(seen.every((s) => s.headers.authorization === `Bearer ${TEST_KEYS.acme}`)).toBe(true);
    const recall = await post(`/api/uploads/${encodeURIComponent('u/1')}/recall`, undefined);
    expect(recall.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/uploads/u%2F1/recall', body: '' });
  });

  it('withdraws by value through a POST body alone, forwarding only the values, and takes a list larger than other bodies', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => `${SECRET}-${String(i).padStart(4, '0')}-${'x'.repeat(20)}`);
    const response = await post('/api/pools/p1/licenses/withdraw', { values, note: 'dropped' });
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/pools/p1/licenses/withdraw' });
    expect(JSON.parse(seen[0].body)).toEqual({ values });
    expect(Buffer.byteLength(seen[0].body)).toBeGreaterThan(16 * 1024);

    // Never by GET, never without the console's header.
    expect((await get(`/api/pools/p1/licenses/withdraw?values=${SECRET}`)).status).toBe(404);
    expect((await post('/api/pools/p1/licenses/withdraw', { values: [SECRET] }, { cookie: session, 'x-keypool-console': '0' })).status).toBe(403);
    expect(seen).toHaveLength(1);
  });

  it('refuses a bad list before pool-service sees it, without quoting a value', async () => {
    for (const values of [[], [''], ['x'.repeat(2049)], Array.from({ length: 1001 }, () => 'V'), [SECRET, 7], SECRET]) {
      const response = await post('/api/pools/p1/licenses/withdraw', { values });
      expect(response.status).toBe(400);
      expect(await response.text()).not.toContain(SECRET);
    }
    const huge = await post('/api/pools/p1/licenses/withdraw', { values: ['y'.repeat(1024 * 1024)] });
    expect(huge.status).toBe(413);
    expect(seen).toHaveLength(0);
  });

  it('sets the key format by PATCHing keyPattern alone, and tries a pattern on lines sent as a JSON array', async () => {
    expect((await post('/api/pools/p1/key-format', { keyPattern: 'K-[0-9]{4}', name: 'renamed', threshold: 0 })).status).toBe(200);
    expect((await post('/api/pools/p1/key-format', { keyPattern: null })).status).toBe(200);
    expect((await post('/api/pools/p1/key-format', { keyPattern: '' })).status).toBe(400);
    expect((await post('/api/pools/p1/key-format', {})).status).toBe(400);
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['PATCH', '/v1/pools/p1', '{"keyPattern":"K-[0-9]{4}"}'],
      ['PATCH', '/v1/pools/p1', '{"keyPattern":null}'],
    ]);

    seen.length = 0;
    expect((await post('/api/pools/p1/key-format/try', { pattern: 'K-[0-9]+', lines: ['K-1', SECRET, ''] })).status).toBe(200);
    expect((await post('/api/pools/p1/key-format/try', { lines: ['K-1'] })).status).toBe(200);
    expect((await post('/api/pools/p1/key-format/try', { lines: [] })).status).toBe(400);
    expect((await post('/api/pools/p1/key-format/try', { lines: [1, 2] })).status).toBe(400);
    expect(seen.map((s) => [s.url, s.body, s.headers['content-type']])).toEqual([
      ['/v1/pools/p1/key-format/try?pattern=K-%5B0-9%5D%2B', JSON.stringify(['K-1', SECRET, '']), 'application/json'],
      ['/v1/pools/p1/key-format/try', '["K-1"]', 'application/json'],
    ]);
  });

  it('looks a license up by value in a POST body and answers it without an unmasked value', async () => {
    const found = await post('/api/licenses/lookup', { value: SECRET, merchantId: 'm_acme', extra: 1 });
    expect(found.status).toBe(200);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/licenses/lookup', body: JSON.stringify({ value: SECRET, merchantId: 'm_acme' }) });
    const text = await found.text();
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toEqual({ license: { licenseId: 'lic_1', masked: false, status: 'allocated' }, history: [] });
    // A masked value stays; a license without the masked flag loses its value.
    expect(((await (await get('/api/licenses/lic_2/history')).json()) as { license: { value: string } }).license.value).toBe('ABCD…WXYZ');
    expect(await (await get('/api/licenses/lic_3')).json()).toEqual({ licenseId: 'lic_3', status: 'revoked' });

    expect((await post('/api/licenses/lookup', { value: '' })).status).toBe(400);
    // A value in a URL goes no further: the console forwards no query on this path.
    await get(`/api/licenses/lookup?value=${SECRET}`);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v1/licenses/lookup' });
  });

  it('never writes a license value to its log', () => {
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(logged)).not.toContain(SECRET);
  });
});
