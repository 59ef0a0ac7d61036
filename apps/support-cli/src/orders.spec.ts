import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from './cli';

/** Plays order-fulfillment's GET /v1/orders: two pages of one order each. */
function fakeFulfillment(): Promise<Server> {
  const order = (orderId: string) => ({
    orderId,
    status: 'fulfilled',
    receivedAt: '2026-11-29T10:00:00.000Z',
    customerEmail: 'ann@example.com',
    lines: [{ lineId: '1', productId: 'p_editor', quantity: 2, status: 'delivered' }],
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== 'Bearer support-key' || url.pathname !== '/v1/orders') return void res.writeHead(404).end('{"message":"not found"}');
    if (url.searchParams.get('status') === 'partially_refunded') {
      return void res.end(
        JSON.stringify({ orders: [{ ...order('ord_3'), status: 'partially_refunded', lines: [{ ...order('ord_3').lines[0], status: 'delivered' }] }] }),
      );
    }
    res.end(JSON.stringify(url.searchParams.get('cursor') === 'page2' ? { orders: [order('ord_2')] } : { orders: [order('ord_1')], nextCursor: 'page2' }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('support CLI: orders', () => {
  let server: Server;
  let env: Record<string, string>;
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const code = await runCli(argv, env, { out: (l) => out.push(l), err: (l) => out.push(`stderr: ${l}`) });
    return { code, out };
  };

  beforeAll(async () => {
    server = await fakeFulfillment();
    env = { FULFILLMENT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, KEYPOOL_API_KEY: 'support-key' };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('prints one line per order across the pages', async () => {
    const { code, out } = await run('orders', '--merchant', 'm_acme');
    expect(code).toBe(0);
    expect(out).toEqual([
      'ord_1  fulfilled  2026-11-29T10:00:00.000Z  ann@example.com  1:p_editorx2=delivered',
      'ord_2  fulfilled  2026-11-29T10:00:00.000Z  ann@example.com  1:p_editorx2=delivered',
      '2 order(s)',
    ]);
  });

  it('prints --json as one JSON document: the orders and whether more follow', async () => {
    const { code, out } = await run('orders', '--merchant', 'm_acme', '--max', '1', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual({ orders: [expect.objectContaining({ orderId: 'ord_1', status: 'fulfilled' })], more: true });
  });

  it('asks for a refund status and prints the order with it', async () => {
    const { code, out } = await run('orders', '--merchant', 'm_acme', '--status', 'partially_refunded');
    expect(code).toBe(0);
    expect(out).toEqual(['ord_3  partially_refunded  2026-11-29T10:00:00.000Z  ann@example.com  1:p_editorx2=delivered', '1 order(s)']);
  });
});
