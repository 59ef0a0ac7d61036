import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { TEST_KEYS } from '@keypool/testing';
import { FulfillmentTestKit, OrderJson, paidOrder } from '../../test/fulfillment-test-kit';

interface StuckPage {
  olderThanSeconds: number;
  lines: { orderId: string; lineId: string; merchantId: string; status: string; stuckSeconds: number }[];
  nextCursor?: string;
}

describe('stuck lines: a safety net for lines that wait on an event that never comes', () => {
  let kit: FulfillmentTestKit;
  /** Allocated 20 minutes ago, never e-mailed: stuck. */
  let oldAllocated: string;
  /** Allocated just now: not stuck yet. */
  let freshAllocated: string;
  /** Received an hour ago, never answered by the pool: stuck, and the oldest. */
  let oldReceived: string;
  /** Delivered 20 minutes ago: done, never stuck however old. */
  let oldDelivered: string;

  const order = async (merchantId: string, step: 'received' | 'allocated' | 'delivered') => {
    const paid = paidOrder([{ productId: 'p_stuck', quantity: 1 }], { merchantId });
    await kit.send('orderPaid', 'OrderPaid', paid);
    const [request] = await kit.waitForPublished<'AllocationRequested'>('allocationRequested', paid.orderId, 1);
    if (step !== 'received') {
      const allocated = await kit.allocate(request.data);
      if (step === 'delivered') await kit.emailSent(allocated);
    }
    await kit.orderOnceItShows(paid.orderId, (o: OrderJson) => o.lines[0].status === step);
    return paid.orderId;
  };
  const backdate = async (orderId: string, minutes: number) => {
    const client = new Client({ connectionString: kit.db.url });
    await client.connect();
    try {
      await client.query(`UPDATE order_lines SET status_at = now() - $2::int * interval '1 minute' WHERE order_id = $1`, [orderId, minutes]);
    } finally {
      await client.end();
    }
  };
  const stuck = async (key: 'support' | 'acme' | 'globex', query = '') => (await kit.api(key).get(`/v1/stuck-lines${query}`).expect(200)).body as StuckPage;

  beforeAll(async () => {
    kit = await FulfillmentTestKit.start('fulfil_stuck', ['allocationRequested']);
    [oldAllocated, freshAllocated, oldReceived, oldDelivered] = await Promise.all([
      order('m_acme', 'allocated'),
      order('m_acme', 'allocated'),
      order('m_globex', 'received'),
      order('m_acme', 'delivered'),
    ]);
    await backdate(oldAllocated, 20);
    await backdate(oldReceived, 60);
    await backdate(oldDelivered, 20);
  });
  afterAll(() => kit?.stop());

  it('lists lines received or allocated longer than STUCK_LINE_AGE_MS (15 minutes), oldest first, and not a fresh or a delivered one', async () => {
    const page = await stuck('support');
    expect(page.olderThanSeconds).toBe(900);
    expect(page.lines).toEqual([
      expect.objectContaining({ orderId: oldReceived, lineId: '1', merchantId: 'm_globex', productId: 'p_stuck', status: 'received', test: false }),
      expect.objectContaining({ orderId: oldAllocated, lineId: '1', merchantId: 'm_acme', status: 'allocated' }),
    ]);
    expect(page.lines[0].stuckSeconds).toBeGreaterThanOrEqual(3600);
    expect(page.lines[1].stuckSeconds).toBeGreaterThanOrEqual(1200);
    expect(page.nextCursor).toBeUndefined();
  });

  it('counts them in keypool_order_lines_stuck by status', async () => {
    expect(await kit.metric('keypool_order_lines_stuck{status="allocated"}')).toBe(1);
    expect(await kit.metric('keypool_order_lines_stuck{status="received"}')).toBe(1);
  });

  it('takes another age, a status and pages by cursor', async () => {
    const allAllocated = await stuck('support', '?olderThanSeconds=0&status=allocated');
    expect(allAllocated.lines.map((l) => l.orderId)).toEqual([oldAllocated, freshAllocated]);
    expect((await stuck('support', '?olderThanSeconds=1800')).lines.map((l) => l.orderId)).toEqual([oldReceived]);

    const first = await stuck('support', '?limit=1');
    expect(first.lines.map((l) => l.orderId)).toEqual([oldReceived]);
    const second = await stuck('support', `?limit=1&cursor=${first.nextCursor}`);
    expect(second.lines.map((l) => l.orderId)).toEqual([oldAllocated]);
    expect(second.nextCursor).toBeUndefined();

    const bad = await kit.api('support').get('/v1/stuck-lines?olderThanSeconds=soon').expect(400);
    expect(bad.body.message).toMatch(/^query\.olderThanSeconds:/);
    expect((await kit.api('support').get('/v1/stuck-lines?status=delivered').expect(400)).body.message).toMatch(/^query\.status:/);
  });

  it("shows a merchant key only its own merchant's stuck lines; support may narrow to one merchant", async () => {
    expect((await stuck('acme')).lines.map((l) => l.orderId)).toEqual([oldAllocated]);
    expect((await stuck('globex')).lines.map((l) => l.orderId)).toEqual([oldReceived]);
    await kit.api('acme').get('/v1/stuck-lines?merchantId=m_globex').expect(404);
    expect((await stuck('support', '?merchantId=m_acme')).lines.map((l) => l.orderId)).toEqual([oldAllocated]);
    await kit.api(null).get('/v1/stuck-lines').expect(401);
  });

  it('is documented in OpenAPI with its parameters', async () => {
    const docs = (await kit.api(null).get('/docs-json').expect(200)).body as { paths: Record<string, { get?: { parameters: { name: string }[] } }> };
    expect(docs.paths['/v1/stuck-lines']?.get?.parameters.map((p) => p.name).sort()).toEqual(['cursor', 'limit', 'merchantId', 'olderThanSeconds', 'status']);
  });

  it('is what `npm run support -- stuck` prints, run as its own process against the service', async () => {
    const root = join(__dirname, '../../../..');
    const env = { ...process.env, FULFILLMENT_URL: kit.url, KEYPOOL_API_KEY: TEST_KEYS.support };
    const cli = join(root, 'apps/support-cli/src/main.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', cli, 'stuck', '--older-than', '10m'], { cwd: root, env });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${oldReceived} line 1  merchant m_globex  product p_stuck  received since \\S+ \\(1h00m\\)$`));
    expect(lines[1]).toMatch(new RegExp(`^${oldAllocated} line 1  merchant m_acme  product p_stuck  allocated since \\S+ \\(20m\\)$`));
    expect(lines[2]).toBe('2 line(s) received or allocated for longer than 10m');
  });
});
