import request from 'supertest';
import { TEST_CHECKOUT_KEY } from '@keypool/testing';
import { FulfillmentTestKit, paidOrder } from '../../test/fulfillment-test-kit';

interface AuditItem {
  id: string;
  callerKind: string;
  reason: string;
  merchantId: string;
  subject: { kind: string; orderId?: string; lineId?: string };
  licenseIds: string[];
}

/** The checkout's read access on the real broker and database: acme's checkout key reads acme's order pages and nothing else. */
describe('order page: what the checkout may read', () => {
  let kit: FulfillmentTestKit;
  const order = paidOrder([
    { productId: 'p_private', quantity: 1 },
    { productId: 'p_page', quantity: 1 },
    { productId: 'p_page_rare', quantity: 1 },
  ]);
  const orderId = order.orderId;
  const globexOrder = paidOrder([{ productId: 'p_page', quantity: 1 }], { merchantId: 'm_globex' });
  const value = (lineId: string) => `PAGE-${orderId.slice(-8).toUpperCase()}-${lineId}`;

  const checkout = (path: string) => request(kit.url).get(path).set('Authorization', `Bearer ${TEST_CHECKOUT_KEY}`);
  const page = (key: 'checkout' | 'acme' | 'support' = 'checkout', id = orderId) =>
    key === 'checkout' ? checkout(`/v1/orders/${encodeURIComponent(id)}/order-page`) : kit.api(key).get(`/v1/orders/${encodeURIComponent(id)}/order-page`);
  const auditNewestFirst = async (): Promise<AuditItem[]> => (await kit.api('acme').get('/v1/audit/reveals?limit=500').expect(200)).body.items;

  beforeAll(async () => {
    kit = await FulfillmentTestKit.start('fulfil_order_page', ['allocationRequested']);
    for (const productId of ['p_page', 'p_page_rare']) {
      await kit.api('acme').put(`/v1/merchants/m_acme/products/${productId}/delivery`, { rule: 'per_unit', showOnOrderPage: true }).expect(200);
    }
    await kit.api('globex').put('/v1/merchants/m_globex/products/p_page/delivery', { rule: 'per_unit', showOnOrderPage: true }).expect(200);
    await kit.send('orderPaid', 'OrderPaid', order);
    await kit.send('orderPaid', 'OrderPaid', globexOrder);
    const requests = await kit.waitForPublished<'AllocationRequested'>('allocationRequested', orderId, 3);
    const byLine = new Map(requests.map((r) => [r.data.lineId, r.data]));
    for (const lineId of ['1', '2']) await kit.allocate(byLine.get(lineId)!, [{ licenseId: `lic_${orderId}_${lineId}`, value: value(lineId) }]);
    const rare = byLine.get('3')!;
    await kit.send('allocationDeferred', 'AllocationDeferred', {
      orderId,
      merchantId: 'm_acme',
      lineId: '3',
      productId: rare.productId,
      status: 'awaiting_stock',
      reason: 'pool pool_rare is empty',
      poolId: 'pool_rare',
      deferredAt: new Date().toISOString(),
    });
    const [globexRequest] = await kit.waitForPublished<'AllocationRequested'>('allocationRequested', globexOrder.orderId, 1);
    await kit.allocate(globexRequest.data, [{ licenseId: `lic_${globexOrder.orderId}`, value: 'GLOBEX-SECRET-1' }]);
    await kit.orderOnceItShows(orderId, (o) => o.lines[1].status === 'allocated' && o.lines[2].status === 'awaiting_stock');
    await kit.orderOnceItShows(globexOrder.orderId, (o) => o.lines[0].status === 'allocated');
  });
  afterAll(() => kit?.stop());

  it('shows the checkout the lines of products shown on the order page, with their values, and nothing else of the order', async () => {
    const before = (await auditNewestFirst()).length;
    const { body } = await page().expect(200);
    expect(body).toEqual({
      orderId,
      lines: [
        {
          lineId: '2',
          productId: 'p_page',
          productName: 'Product p_page',
          quantity: 1,
          status: 'allocated',
          waiting: false,
          licenses: [{ licenseId: `lic_${orderId}_2`, value: value('2') }],
        },
        { lineId: '3', productId: 'p_page_rare', productName: 'Product p_page_rare', quantity: 1, status: 'awaiting_stock', waiting: true, licenses: [] },
      ],
    });
    expect(JSON.stringify(body)).not.toContain(value('1'));

    // One audit entry for the one line whose values were shown, by the checkout's key, reason "order page".
    const audit = await auditNewestFirst();
    expect(audit.length - before).toBe(1);
    expect(audit[0]).toMatchObject({
      callerKind: 'checkout',
      reason: 'order page',
      merchantId: 'm_acme',
      subject: { kind: 'order_line', orderId, lineId: '2' },
      licenseIds: [`lic_${orderId}_2`],
    });
    expect(JSON.stringify(audit)).not.toContain(value('2'));
  });

  it('shows a waiting line once it is served', async () => {
    const [rare] = (await kit.waitForPublished<'AllocationRequested'>('allocationRequested', orderId, 3)).filter((r) => r.data.lineId === '3');
    await kit.allocate(rare.data, [{ licenseId: `lic_${orderId}_3`, value: value('3') }]);
    await kit.orderOnceItShows(orderId, (o) => o.lines[2].status === 'allocated');
    const line3 = (await page().expect(200)).body.lines[1];
    expect(line3).toMatchObject({ lineId: '3', status: 'allocated', waiting: false, licenses: [{ licenseId: `lic_${orderId}_3`, value: value('3') }] });
  });

  it("answers another merchant's order like one that does not exist", async () => {
    const theirs = await page('checkout', globexOrder.orderId).expect(404);
    const missing = await page('checkout', `${globexOrder.orderId}x`).expect(404);
    expect(theirs.body.message.replace(globexOrder.orderId, '{id}')).toBe(missing.body.message.replace(`${globexOrder.orderId}x`, '{id}'));
    expect(JSON.stringify(theirs.body)).not.toContain('GLOBEX-SECRET-1');
  });

  it('refuses the checkout every other read and write of the order, with 403', async () => {
    for (const call of [
      checkout(`/v1/orders/${orderId}`),
      checkout('/v1/orders'),
      checkout('/v1/audit/reveals'),
      request(kit.url)
        .post(`/v1/orders/${orderId}/lines/2/licenses/reveal`)
        .set('Authorization', `Bearer ${TEST_CHECKOUT_KEY}`)
        .send({ reason: 'the customer asked for it' }),
      request(kit.url).post(`/v1/orders/${orderId}/resend`).set('Authorization', `Bearer ${TEST_CHECKOUT_KEY}`),
    ]) {
      const answer = await call;
      expect([answer.status, answer.body.message]).toEqual([403, expect.stringMatching(/checkout key reads order pages only/)]);
    }
  });

  it('bounds the order id', async () => {
    const answer = await page('checkout', 'o'.repeat(201)).expect(400);
    expect(answer.body.message).toMatch(/^path\.orderId: must be at most 200 characters/);
  });

  it('lets the merchant and support see the page too, audited the same way', async () => {
    await page('support').expect(200);
    const [newest] = await auditNewestFirst();
    expect(newest).toMatchObject({ callerKind: 'support', reason: 'order page', subject: { orderId, lineId: '3' } });
  });

  it('shows no values for a refunded line', async () => {
    await kit.send('orderRefunded', 'OrderRefunded', {
      orderId,
      merchantId: 'm_acme',
      lineIds: ['2'],
      reason: 'customer_request',
      refundedAt: new Date().toISOString(),
    });
    await kit.orderOnceItShows(orderId, (o) => (o.lines[1] as { refundedAt?: string | null }).refundedAt != null);
    const before = (await auditNewestFirst()).length;
    const { body } = await page().expect(200);
    expect(body.lines.map((l: { lineId: string; licenses: unknown[] }) => [l.lineId, l.licenses.length])).toEqual([
      ['2', 0],
      ['3', 1],
    ]);
    expect(JSON.stringify(body)).not.toContain(value('2'));
    expect((await auditNewestFirst()).length - before).toBe(1);
  });
});
