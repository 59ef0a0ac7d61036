import { existsSync, readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Caller } from '@keypool/platform';
import type { AlertsFeed } from './alerts-feed';
import type { ConsoleConfig } from './config';
import type { DeadLetters } from './dead-letters';
import { SESSION_COOKIE, type Session, Sessions, clearedSessionCookie, cookieValue, sessionCookie } from './sessions';
import { type ServiceAnswer, callService, problem } from './service-api';
import { FailureWindow } from './failure-window';
import { VALUE_BODY_ROUTE, afterSaleRoute } from './after-sale-routes';
import { forward, match } from './route-match';

const MAX_BODY_BYTES = 16 * 1024;
/** Bodies of license values (a list to withdraw, a file to try): pool-service refuses a withdrawal over 100 kB itself. */
const MAX_VALUES_BODY_BYTES = 1024 * 1024;
const MAX_ID = 200;
/** State-changing calls must carry this header: a form on another site cannot set it (with SameSite=Strict, a second guard against CSRF). */
const CSRF_HEADER = 'x-keypool-console';
/** /pools/<poolId>, /orders/<orderId>, /licenses/<licenseId>, /dead-letters, /alerts: pages of the console by address. */
/** Unknown keys tried from one address within a minute before sign-in answers 429 there. */
const SIGN_IN_FAILURES_PER_MINUTE = 20;
const DEEP_LINK = /^\/(pools|orders|licenses|dead-letters|alerts)(\/[^/]{1,200})?$/;

interface StaticFile {
  type: string;
  body: Buffer;
}

export interface ConsoleDeps {
  config: ConsoleConfig;
  deadLetters: DeadLetters;
  alerts: AlertsFeed;
  /** Where the console's log lines go (main.ts: one JSON line each on stdout); never given a key. */
  log?: (entry: Record<string, unknown>) => void;
}

export interface RunningConsole {
  server: Server;
  url: string;
  sessions: Sessions;
  close(): Promise<void>;
}

/** The console's web server: its pages (static files), and /api, which reads the services' APIs with the signed-in user's key. */
export function createConsoleServer(deps: ConsoleDeps): { server: Server; sessions: Sessions } {
  const sessions = new Sessions(deps.config.sessionTtlMs);
  const signInFailures = new FailureWindow(SIGN_IN_FAILURES_PER_MINUTE, 60_000);
  const files = staticFiles();
  const server = createServer((req, res) => {
    handle(req, res, deps, sessions, signInFailures, files).catch((error: unknown) => {
      // Never the error's text: it could quote a request. The log line names the route only.
      deps.log?.({ level: 'error', msg: 'request failed', route: routeName(req.url), error: error instanceof Error ? error.name : 'unknown' });
      if (!res.headersSent) send(res, problem(500, 'Internal Server Error', 'the console failed on this request; its log has the route'));
      else res.destroy();
    });
  });
  return { server, sessions };
}

export async function startConsoleServer(deps: ConsoleDeps): Promise<RunningConsole> {
  const { server, sessions } = createConsoleServer(deps);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.config.port, deps.config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = deps.config.host === '0.0.0.0' ? '127.0.0.1' : deps.config.host;
  return {
    server,
    url: `http://${host}:${port}`,
    sessions,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  deps: ConsoleDeps,
  sessions: Sessions,
  signInFailures: FailureWindow,
  files: Map<string, StaticFile>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://console.local');
  const path = url.pathname;
  if (!path.startsWith('/api/')) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, problem(405, 'Method Not Allowed', 'pages are read with GET'));
    if (path === '/health/live' || path === '/health/ready') return send(res, { status: 200, body: { status: 'ok' } });
    // Deep links (a PoolLow e-mail links to /pools/<poolId>) open the same page, which reads its path.
    const file = files.get(path === '/' || DEEP_LINK.test(path) ? '/index.html' : path);
    if (!file) return send(res, problem(404, 'Not Found', `no page ${path.slice(0, MAX_ID)}`));
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-cache', ...securityHeaders() });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return;
  }
  const method = req.method ?? 'GET';
  if (method !== 'GET' && req.headers[CSRF_HEADER] !== '1')
    return send(res, problem(403, 'Forbidden', `${CSRF_HEADER}: 1 is required on changes (the console's own pages send it)`));
  const body = method === 'POST' ? await readJson(req, VALUE_BODY_ROUTE.test(path) ? MAX_VALUES_BODY_BYTES : MAX_BODY_BYTES) : undefined;
  if (body && 'problem' in body) return send(res, body.problem);
  const json = body?.value;

  if (path === '/api/session') {
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (method === 'GET') {
      const session = sessions.find(id);
      return session ? send(res, { status: 200, body: whoIs(session.caller) }) : send(res, problem(401, 'Unauthorized', 'not signed in'));
    }
    if (method === 'POST') {
      const key = (json as { key?: unknown } | undefined)?.key;
      if (typeof key !== 'string' || key.length < 8 || key.length > 512) return send(res, problem(400, 'Bad Request', 'key: the API key, 8 to 512 characters'));
      const client = req.socket.remoteAddress ?? 'unknown';
      if (signInFailures.blocked(client))
        return send(res, problem(429, 'Too Many Requests', `too many unknown keys from this address; try again in a minute`), { 'retry-after': '60' });
      const caller = deps.config.keys.resolve(key);
      if (!caller) {
        signInFailures.add(client);
        return send(res, problem(401, 'Unauthorized', 'this API key is not known; ask for a support or merchant key'));
      }
      const sid = sessions.open(key, caller);
      // Who signed in, by the key's id (a digest prefix), never the key.
      deps.log?.({ level: 'info', msg: 'signed in', keyId: caller.keyId, kind: caller.kind });
      return send(res, { status: 200, body: whoIs(caller) }, { 'set-cookie': sessionCookie(sid, deps.config.sessionTtlMs / 1000, deps.config.secureCookie) });
    }
    if (method === 'DELETE') {
      sessions.close(id);
      return send(res, { status: 204, body: null }, { 'set-cookie': clearedSessionCookie(deps.config.secureCookie) });
    }
    return send(res, problem(405, 'Method Not Allowed', 'GET, POST or DELETE /api/session'));
  }

  const session = sessions.find(cookieValue(req.headers.cookie, SESSION_COOKIE));
  if (!session) return send(res, problem(401, 'Unauthorized', 'sign in with an API key first'));
  return send(res, await route(method, path, url.searchParams, json, session, deps));
}

async function route(method: string, path: string, query: URLSearchParams, json: unknown, session: Session, deps: ConsoleDeps): Promise<ServiceAnswer> {
  const { services } = deps.config;
  const pool = (m: 'GET' | 'POST' | 'PATCH', p: string, b?: unknown) => callService(services.pool, 'pool-service', session.key, m, p, b);
  const fulfillment = (m: 'GET' | 'POST', p: string, b?: unknown) => callService(services.fulfillment, 'order-fulfillment-service', session.key, m, p, b);
  const seg = segments(path);
  if (!seg) return problem(400, 'Bad Request', `path segments must be 1 to ${MAX_ID} characters`);
  const isSupport = session.caller.kind === 'support';
  const merchantQuery = (names: string[]) => forward(query, names);

  if (method === 'GET') {
    if (match(seg, ['api', 'pools'])) return pool('GET', `/pools${merchantQuery(['merchantId', 'mode'])}`);
    if (match(seg, ['api', 'pools', '*', 'consumption'])) return pool('GET', `/pools/${enc(seg[2])}/consumption`);
    if (match(seg, ['api', 'held-lines'])) return pool('GET', `/held-lines${merchantQuery(['poolId', 'merchantId', 'status', 'limit', 'after'])}`);
    if (match(seg, ['api', 'orders']))
      return withoutLicenseValues(await fulfillment('GET', `/orders${merchantQuery(['merchantId', 'customerEmail', 'status', 'limit', 'cursor'])}`));
    if (match(seg, ['api', 'orders', '*'])) return withoutLicenseValues(await fulfillment('GET', `/orders/${enc(seg[2])}`));
    if (match(seg, ['api', 'alerts'])) {
      const merchantId = session.caller.kind === 'merchant' ? session.caller.merchantId : undefined;
      return { status: 200, body: { connected: deps.alerts.ready, problem: deps.alerts.lastError ?? null, alerts: deps.alerts.list(merchantId, 200) } };
    }
    if (match(seg, ['api', 'dead-letters'])) return isSupport ? deps.deadLetters.depths() : supportOnly();
    if (match(seg, ['api', 'dead-letters', '*'])) return isSupport ? deps.deadLetters.list(seg[2], query) : supportOnly();
  }
  if (method === 'POST') {
    if (match(seg, ['api', 'orders', '*', 'resend'])) return fulfillment('POST', `/orders/${enc(seg[2])}/resend`);
    if (match(seg, ['api', 'orders', '*', 'lines', '*', 'resend'])) return fulfillment('POST', `/orders/${enc(seg[2])}/lines/${enc(seg[4])}/resend`);
    // The audited reveal: the service records who asked and why; the console adds nothing and keeps nothing.
    if (match(seg, ['api', 'orders', '*', 'lines', '*', 'licenses', 'reveal']))
      return fulfillment('POST', `/orders/${enc(seg[2])}/lines/${enc(seg[4])}/licenses/reveal`, json ?? {});
    if (match(seg, ['api', 'dead-letters', '*', 'redrive'])) return isSupport ? deps.deadLetters.redrive(seg[2], json) : supportOnly();
  }
  const afterSale = await afterSaleRoute(method, seg, query, json, pool);
  if (afterSale) return afterSale;
  return problem(404, 'Not Found', `no ${method} ${path.slice(0, MAX_ID)} in the console's API`);
}

function supportOnly(): ServiceAnswer {
  return problem(403, 'Forbidden', "dead letters are for support keys: they hold every merchant's events");
}

/**
 * Order views carry license values unmasked for a merchant's products shown on the order
 * page; the console shows values only through the audited reveal, so it drops them here.
 */
function withoutLicenseValues(answer: ServiceAnswer): ServiceAnswer {
  const strip = (order: unknown) => {
    for (const line of ((order as { lines?: unknown[] } | null)?.lines ?? []) as { licensesMasked?: boolean; licenses?: { value?: string }[] }[]) {
      if (line.licensesMasked === false) for (const license of line.licenses ?? []) delete license.value;
    }
  };
  if (answer.status === 200) {
    const body = answer.body as { orders?: unknown[] } | null;
    if (Array.isArray(body?.orders)) body.orders.forEach(strip);
    else strip(body);
  }
  return answer;
}

function whoIs(caller: Caller): Record<string, unknown> {
  return caller.kind === 'support' ? { kind: 'support' } : { kind: 'merchant', merchantId: caller.merchantId };
}

function segments(path: string): string[] | undefined {
  const parts = path.split('/').slice(1);
  try {
    const decoded = parts.map((p) => decodeURIComponent(p));
    return decoded.every((p) => p.length >= 1 && p.length <= MAX_ID) ? decoded : undefined;
  } catch {
    return undefined;
  }
}

function enc(value: string): string {
  return encodeURIComponent(value);
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<{ value: unknown } | { problem: ServiceAnswer }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return { problem: problem(413, 'Payload Too Large', `request bodies here are at most ${maxBytes} bytes`) };
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return { value: undefined };
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
    return { problem: problem(415, 'Unsupported Media Type', 'send JSON (content-type: application/json)') };
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { problem: problem(400, 'Bad Request', 'the body is not valid JSON') };
  }
}

function send(res: ServerResponse, answer: ServiceAnswer, headers: Record<string, string> = {}): void {
  if (answer.status === 204 || answer.body === null) {
    res.writeHead(answer.status === 200 ? 204 : answer.status, { 'cache-control': 'no-store', ...securityHeaders(), ...headers });
    res.end();
    return;
  }
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...securityHeaders(),
    ...headers,
  });
  res.end(payload);
}

function securityHeaders(): Record<string, string> {
  return {
    // Scripts and styles only from the console itself (uPlot sets element styles from script, hence style-src 'unsafe-inline').
    'content-security-policy':
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

function routeName(url: string | undefined): string {
  return (url ?? '/').split('?')[0].split('/').slice(0, 3).join('/');
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The pages, read once at start: the console's own files and uPlot's, from node_modules (no CDN). */
function staticFiles(): Map<string, StaticFile> {
  // From source (demo, tests) the pages sit next to src; a build (dist/) finds them in the checkout it runs from.
  const publicDir = [join(__dirname, '../public'), join(process.cwd(), 'apps/console/public')].find((dir) => existsSync(join(dir, 'index.html')));
  if (!publicDir) throw new Error('apps/console/public is missing: the console has no pages to serve');
  const uplotDir = join(dirname(require.resolve('uplot/package.json')), 'dist');
  const entries: [string, string][] = [
    ['/index.html', join(publicDir, 'index.html')],
    ['/console.js', join(publicDir, 'console.js')],
    ['/console.css', join(publicDir, 'console.css')],
    ['/pool-page.js', join(publicDir, 'pool-page.js')],
    ['/licenses.js', join(publicDir, 'licenses.js')],
    ['/vendor/uPlot.iife.min.js', join(uplotDir, 'uPlot.iife.min.js')],
    ['/vendor/uPlot.min.css', join(uplotDir, 'uPlot.min.css')],
  ];
  return new Map(entries.map(([route, file]) => [route, { type: TYPES[file.slice(file.lastIndexOf('.'))], body: readFileSync(file) }]));
}
