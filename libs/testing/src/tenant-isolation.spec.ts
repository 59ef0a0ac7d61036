import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { TEST_CHECKOUT_KEY, TEST_KEYS } from './service';
import { IsolationTable, documentedOperations, isolationProblems, uncoveredOperations } from './tenant-isolation';

/** The mistakes a service could make; the probe must catch each one. */
type Flaw = 'none' | 'forbids' | 'reveals' | 'ignores-case' | 'prefix-keys' | 'open' | 'lists-all' | 'writes-first' | 'checkout-as-merchant';

const DOC = {
  openapi: '3.0.0',
  paths: {
    '/v1/things': { get: { responses: { '200': {} }, parameters: [] } },
    '/v1/things/{thingId}': { get: { responses: { '200': {} } }, put: { responses: { '200': {} } } },
  },
};

/** A service of "things" keyed like the real ones: acme owns t_1; every flaw is one line of it. */
function thingService(flaw: Flaw): (req: IncomingMessage, res: ServerResponse, body: string) => void {
  const things = new Map([['t_1', { id: 't_1', merchantId: 'm_acme', name: 'first' }]]);
  const merchants: Record<string, string> = {
    [TEST_KEYS.acme]: 'm_acme',
    [TEST_KEYS.globex]: 'm_globex',
    [TEST_KEYS.support]: '*',
    [TEST_CHECKOUT_KEY]: 'm_acme',
  };
  return (req, res, body) => {
    const reply = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/docs-json') return reply(200, DOC);
    const route = /^\/v1\/things(?:\/([^/]+))?$/.exec(flaw === 'ignores-case' ? url.pathname.toLowerCase() : url.pathname);
    if (!route) return reply(404, { statusCode: 404, error: 'Not Found', message: `Cannot ${req.method} ${url.pathname}` });
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token === TEST_CHECKOUT_KEY && flaw !== 'checkout-as-merchant') return reply(403, { statusCode: 403, error: 'Forbidden', message: 'order pages only' });
    const key = flaw === 'prefix-keys' ? Object.keys(merchants).find((k) => token?.startsWith(k)) : token;
    const merchant = key ? merchants[key] : flaw === 'open' && !req.headers.authorization ? '*' : undefined;
    if (!merchant) return reply(401, { statusCode: 401, error: 'Unauthorized', message: 'Send your API key as "Authorization: Bearer <api key>"' });
    const sees = (thing: { merchantId: string }) => flaw === 'lists-all' || merchant === '*' || thing.merchantId === merchant;
    if (!route[1]) return reply(200, [...things.values()].filter(sees));
    const thing = things.get(decodeURIComponent(route[1]));
    if (thing && req.method === 'PUT' && flaw === 'writes-first') thing.name = JSON.parse(body).name;
    if (thing && !sees(thing) && flaw === 'forbids') return reply(403, { statusCode: 403, error: 'Forbidden', message: 'not yours' });
    if (thing && !sees(thing) && flaw === 'reveals')
      return reply(404, { statusCode: 404, error: 'Not Found', message: 'this thing belongs to another merchant' });
    if (!thing || !sees(thing)) return reply(404, { statusCode: 404, error: 'Not Found', message: `thing ${route[1]} not found` });
    if (req.method === 'PUT') thing.name = JSON.parse(body).name;
    return reply(200, thing);
  };
}

describe('isolationProblems', () => {
  let server: Server;
  let url: string;
  let handle = thingService('none');

  const table: IsolationTable = {
    'GET /v1/things': () => ({ shows: { acmeIds: ['t_1'], idsIn: (things) => (things as { id: string }[]).map((t) => t.id) } }),
    'GET /v1/things/{thingId}': () => ({ params: { thingId: 't_1' } }),
    'PUT /v1/things/{thingId}': () => ({
      params: { thingId: 't_1' },
      request: (who) => ({ json: { name: `named by ${who}` } }),
      state: async () => (await fetch(`${url}/v1/things/t_1`, { headers: { authorization: `Bearer ${TEST_KEYS.acme}` } })).json(),
    }),
  };
  const problemsOf = async (flaw: Flaw): Promise<string[]> => {
    handle = thingService(flaw);
    const documented = await documentedOperations(url);
    const problems: string[] = [];
    for (const key of Object.keys(table)) problems.push(...(await isolationProblems(url, documented.get(key)!, table[key]())));
    return problems;
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk)).on('end', () => handle(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('finds nothing wrong with a service that isolates its merchants', async () => {
    expect(await problemsOf('none')).toEqual([]);
  });

  it.each<{ flaw: Flaw; does: string; problem: RegExp }>([
    { flaw: 'forbids', does: "answers 403 on another merchant's thing", problem: /GET \/v1\/things\/\{thingId\} as globex on thingId of acme's: 403/ },
    { flaw: 'reveals', does: 'says the thing belongs to someone else', problem: /acme's resource answers unlike a missing one/ },
    { flaw: 'ignores-case', does: 'routes /V1/… like /v1/…', problem: /at \/V1\/things.* \(wrong case\): 200/ },
    { flaw: 'prefix-keys', does: 'accepts a key that only starts like a real one', problem: /with Authorization "Bearer <acme key>x": 200/ },
    { flaw: 'open', does: 'answers without a key', problem: /with Authorization absent: 200/ },
    { flaw: 'lists-all', does: "lists acme's things to globex", problem: /GET \/v1\/things as globex: shows acme's ids/ },
    { flaw: 'writes-first', does: 'writes before it checks the owner', problem: /PUT \/v1\/things\/\{thingId\}: globex's attempt changed acme's data/ },
    {
      flaw: 'checkout-as-merchant',
      does: "lets acme's checkout key act as acme",
      problem: /GET \/v1\/things\/\{thingId\} as acme's checkout: 200 .*expected 403/,
    },
    {
      flaw: 'checkout-as-merchant',
      does: "lets acme's checkout key change acme's data",
      problem: /PUT \/v1\/things\/\{thingId\}: the checkout key's attempt changed acme's data/,
    },
  ])('catches a service that $does', async ({ flaw, problem }) => {
    const problems = await problemsOf(flaw);
    expect(problems).toContainEqual(expect.stringMatching(problem));
    expect(problems.join('\n')).not.toContain(TEST_KEYS.acme);
  });

  it('names the operations a table lacks and the entries no document lists', async () => {
    handle = thingService('none');
    const documented = await documentedOperations(url);
    const { ['PUT /v1/things/{thingId}']: _left, ...partial } = table;
    expect(uncoveredOperations(documented, { ...partial, 'DELETE /v1/things/{thingId}': table['GET /v1/things/{thingId}'] })).toEqual([
      'PUT /v1/things/{thingId}: documented but not in the isolation table',
      'DELETE /v1/things/{thingId}: in the isolation table but not documented',
    ]);
  });
});
