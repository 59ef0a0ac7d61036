import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from './cli';

/** Plays order-fulfillment's GET /v1/stuck-lines: two pages, and a 404 for an unknown merchant. */
function fakeFulfillment(requests: URL[]): Promise<Server> {
  const line = (orderId: string, stuckSeconds: number) => ({
    orderId,
    lineId: '1',
    merchantId: 'm_acme',
    productId: 'p_x',
    status: 'allocated',
    since: '2026-11-29T10:00:00.000Z',
    stuckSeconds,
    test: false,
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url);
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== 'Bearer support-key') return void res.writeHead(401).end('{"message":"bad key"}');
    if (url.searchParams.get('merchantId') === 'm_nobody') return void res.writeHead(404).end('{"statusCode":404,"message":"merchant m_nobody not found"}');
    const olderThanSeconds = Number(url.searchParams.get('olderThanSeconds') ?? 900);
    const body =
      url.searchParams.get('cursor') === 'page2'
        ? { olderThanSeconds, lines: [line('ord_2', 1000)] }
        : { olderThanSeconds, lines: [line('ord_1', 7500)], nextCursor: 'page2' };
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('support CLI: stuck', () => {
  const requests: URL[] = [];
  let server: Server;
  let env: Record<string, string>;
  const run = async (...argv: string[]) => {
    const lines: string[] = [];
    const code = await runCli(argv, env, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    return { code, output: lines.join('\n') };
  };

  beforeAll(async () => {
    server = await fakeFulfillment(requests);
    env = { FULFILLMENT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, KEYPOOL_API_KEY: 'support-key' };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (requests.length = 0));

  it("follows the pages and prints one line per stuck line, at the service's age unless told", async () => {
    const { code, output } = await run('stuck');
    expect(code).toBe(0);
    expect(output.split('\n')).toEqual([
      'ord_1 line 1  merchant m_acme  product p_x  allocated since 2026-11-29T10:00:00.000Z (2h05m)',
      'ord_2 line 1  merchant m_acme  product p_x  allocated since 2026-11-29T10:00:00.000Z (16m)',
      '2 line(s) received or allocated for longer than 15m',
    ]);
    expect(requests.map((r) => r.search)).toEqual(['?limit=200', '?limit=199&cursor=page2']);
  });

  it('passes the age and merchant on, stops at --max, and prints JSON when asked', async () => {
    const { code, output } = await run('stuck', '--older-than', '2h', '--merchant', 'm_acme', '--max', '1', '--json');
    expect(code).toBe(0);
    expect(requests.map((r) => Object.fromEntries(r.searchParams))).toEqual([{ limit: '1', olderThanSeconds: '7200', merchantId: 'm_acme' }]);
    expect(JSON.parse(output)).toEqual({ olderThanSeconds: 7200, lines: [expect.objectContaining({ orderId: 'ord_1', stuckSeconds: 7500 })], more: true });
  });

  it("prints the service's message and exits 1 when it refuses", async () => {
    expect(await run('stuck', '--merchant', 'm_nobody')).toEqual({ code: 1, output: 'error: order-fulfillment answered 404: merchant m_nobody not found' });
  });
});
