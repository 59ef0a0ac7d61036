import { exampleEventData, type EventDataOf } from '@keypool/contracts';
import type { Envelope } from '@keypool/messaging';
import { Client } from 'pg';
import { waitUntil } from '@keypool/testing';
import { FulfillmentTestKit, OrderJson, paidOrder } from '../../test/fulfillment-test-kit';

describe('order and delivery API', () => {
  let kit: FulfillmentTestKit;
  let orderId: string;
  let allocated: Envelope<EventDataOf<'LicenseAllocated'>>[];

  beforeAll(async () => {
    kit = await FulfillmentTestKit.start('fulfil_api', ['allocationRequested', 'licensesRevealed']);
    await kit.api('acme').put('/v1/merchants/m_acme/products/p_visible/delivery', { rule: 'per_unit', showOnOrderPage: true }).expect(200);
    const order = paidOrder([
      { productId: 'p_hidden', quantity: 1 },
      { productId: 'p_visible', quantity: 1 },
    ]);
    orderId = order.orderId;
    await kit.send('orderPaid', 'OrderPaid', order);
    const requests = await kit.waitForPublished<'AllocationRequested'>('allocationRequested', orderId, 2);
    allocated = await Promise.all(
      requests.map((r, i) => kit.allocate(r.data, [{ licenseId: `lic_${orderId}_${i}`, value: i === 0 ? 'AAAA-BBBB-CCCC' : 'DDDD-EEEE-FFFF' }])),
    );
    await kit.orderOnceItShows(orderId, (o) => o.lines.every((l) => l.licenses.length === 1));
  });
  afterAll(() => kit?.stop());

  const licensesSeenBy = async (key: 'acme' | 'support') => {
    const order = (await kit.api(key).get(`/v1/orders/${orderId}`).expect(200)).body as OrderJson;
    return order.lines.map((l) => [l.licensesMasked, l.licenses.map((x) => x.value)]);
  };

  it("masks a merchant's license values unless the product shows them on the order page", async () => {
    expect(await licensesSeenBy('acme')).toEqual([
      [true, ['AAAA…CCCC']],
      [false, ['DDDD-EEEE-FFFF']],
    ]);
  });

  it('masks license values for support too: values are only revealed, one line at a time', async () => {
    expect(await licensesSeenBy('support')).toEqual([
      [true, ['AAAA…CCCC']],
      [true, ['DDDD…FFFF']],
    ]);
  });

  it('reveals a line to support or its merchant with a reason, and records who, when, which and why', async () => {
    const reason = 'ticket 4711: customer lost the e-mail';
    const bySupport = await kit.api('support').post(`/v1/orders/${orderId}/lines/1/licenses/reveal`).send({ reason }).expect(200);
    expect(bySupport.body).toEqual({
      orderId,
      lineId: '1',
      licenses: [{ licenseId: `lic_${orderId}_0`, value: 'AAAA-BBBB-CCCC' }],
      auditId: expect.any(String),
    });
    await kit.api('acme').post(`/v1/orders/${orderId}/lines/2/licenses/reveal`).send({ reason: 'checking a key the customer reported' }).expect(200);

    const log = (await kit.api('support').get('/v1/audit/reveals?merchantId=m_acme').expect(200)).body.items;
    expect(log.slice(0, 2)).toEqual([
      expect.objectContaining({
        callerKind: 'merchant',
        keyId: expect.stringMatching(/^key_[0-9a-f]{12}$/),
        subject: { kind: 'order_line', orderId, lineId: '2' },
      }),
      expect.objectContaining({
        id: bySupport.body.auditId,
        callerKind: 'support',
        merchantId: 'm_acme',
        licenseIds: [`lic_${orderId}_0`],
        reason,
        at: expect.any(String),
      }),
    ]);
    expect(log[0].keyId).not.toBe(log[1].keyId);
    // Each audit entry's LicensesRevealed left in its transaction, for pool-service's ledger: ids, caller, no value, no reason.
    const revealed = await kit.waitForPublished<'LicensesRevealed'>('licensesRevealed', orderId, 2);
    expect(revealed.map((e) => e.data)).toEqual([
      {
        orderId,
        merchantId: 'm_acme',
        lineId: '1',
        licenseIds: [`lic_${orderId}_0`],
        auditId: bySupport.body.auditId,
        callerKind: 'support',
        keyId: log[1].keyId,
        revealedAt: expect.any(String),
      },
      expect.objectContaining({ lineId: '2', licenseIds: [`lic_${orderId}_1`], auditId: log[0].id, callerKind: 'merchant', keyId: log[0].keyId }),
    ]);
    expect(revealed[0].source).toBe('/keypool/order-fulfillment-service');
    expect(JSON.stringify(revealed)).not.toContain('AAAA-BBBB-CCCC');
    expect(JSON.stringify(revealed)).not.toContain(reason);
    // The merchant reads the entries about its own licenses, support's included; another merchant reads none.
    const mine = (await kit.api('acme').get('/v1/audit/reveals').expect(200)).body.items;
    expect(mine.map((e: { id: string }) => e.id)).toEqual(expect.arrayContaining([bySupport.body.auditId]));
    expect((await kit.api('globex').get('/v1/audit/reveals').expect(200)).body.items).toEqual([]);
    expect(JSON.stringify(log)).not.toContain('AAAA-BBBB-CCCC');
  });

  it("refuses a reveal without a reason, and hides another merchant's order, recording nothing", async () => {
    const before = (await kit.api('support').get('/v1/audit/reveals?merchantId=m_acme').expect(200)).body.items.length;
    const noReason = await kit.api('support').post(`/v1/orders/${orderId}/lines/1/licenses/reveal`).send({}).expect(400);
    expect(noReason.body.message).toMatch(/^body\.reason: /);
    await kit.api('support').post(`/v1/orders/${orderId}/lines/1/licenses/reveal`).send({ reason: 'short' }).expect(400);
    const hidden = await kit.api('globex').post(`/v1/orders/${orderId}/lines/1/licenses/reveal`).send({ reason: 'just curious about this one' }).expect(404);
    expect(hidden.body.message).toBe(`order ${orderId} not found`);
    expect((await kit.api('support').get('/v1/audit/reveals?merchantId=m_acme').expect(200)).body.items).toHaveLength(before);
    expect(await kit.outboxCount('LicensesRevealed', orderId)).toBe(before);
  });

  it("answers 404 to a merchant for another merchant's order, resend, list and delivery settings", async () => {
    const notFound = await kit.api('globex').get(`/v1/orders/${orderId}`).expect(404);
    expect(notFound.body).toEqual({ statusCode: 404, error: 'Not Found', message: `order ${orderId} not found` });
    await kit.api('globex').post(`/v1/orders/${orderId}/resend`).expect(404);
    await kit.api('globex').post(`/v1/orders/${orderId}/lines/1/resend`).expect(404);
    await kit.api('globex').get('/v1/orders?merchantId=m_acme').expect(404);
    expect((await kit.api('globex').get('/v1/orders').expect(200)).body.orders).toEqual([]);
    await kit.api('globex').get('/v1/merchants/m_acme/products/p_visible/delivery').expect(404);
    await kit.api('globex').put('/v1/merchants/m_acme/products/p_visible/delivery', { rule: 'per_product' }).expect(404);
  });

  it("lists a merchant's orders by status, and requires support to name the merchant", async () => {
    const mine = await kit.api('acme').get('/v1/orders?status=allocated').expect(200);
    expect(mine.body.orders).toEqual([
      expect.objectContaining({
        orderId,
        status: 'received',
        lines: [expect.objectContaining({ lineId: '1', status: 'allocated' }), expect.objectContaining({ status: 'allocated' })],
      }),
    ]);
    expect((await kit.api('acme').get('/v1/orders?status=fulfilled').expect(200)).body.orders).toEqual([]);
    const missing = await kit.api('support').get('/v1/orders').expect(400);
    expect(missing.body.message).toMatch(/must name the merchant: add merchantId/);
    expect((await kit.api('support').get('/v1/orders?merchantId=m_acme').expect(200)).body.orders).toHaveLength(1);
    expect((await kit.api('acme').get('/v1/orders?status=lost').expect(400)).body.message).toMatch(/^query\.status:/);
  });

  it("pages through a merchant's orders newest first with a cursor, and finds a customer's orders by e-mail", async () => {
    const listed = async (query: string) =>
      (await kit.api('globex').get(`/v1/orders?${query}`).expect(200)).body as { orders: { orderId: string }[]; nextCursor?: string };
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const customer = { ...exampleEventData.OrderPaid.customer, email: i % 2 === 1 ? 'Pat@Example.com' : `other${i}@example.com` };
      const order = paidOrder([{ productId: 'p_page', quantity: 1 }], { merchantId: 'm_globex', customer });
      await kit.send('orderPaid', 'OrderPaid', order);
      sent.push(order.orderId);
    }
    await waitUntil(async () => (await listed('limit=500')).orders.length === 5, 20000, "m_globex's 5 orders");
    const all = (await listed('limit=500')).orders.map((o) => o.orderId);
    expect([...all].sort()).toEqual([...sent].sort());

    const first = await listed('limit=2');
    // An order arriving while support pages must not shift or repeat what the next pages show.
    const late = paidOrder([{ productId: 'p_page', quantity: 1 }], { merchantId: 'm_globex' });
    await kit.send('orderPaid', 'OrderPaid', late);
    await waitUntil(async () => (await listed('limit=500')).orders.length === 6, 20000, 'the late order');
    const second = await listed(`limit=2&cursor=${first.nextCursor}`);
    const third = await listed(`limit=2&cursor=${second.nextCursor}`);
    expect([first, second, third].map((p) => p.orders.length)).toEqual([2, 2, 1]);
    expect([first, second, third].flatMap((p) => p.orders.map((o) => o.orderId))).toEqual(all);
    expect(third.nextCursor).toBeUndefined();
    expect((await listed('limit=500')).orders[0].orderId).toBe(late.orderId);

    const pats = await listed('customerEmail=pat@example.COM');
    expect(pats.orders.map((o) => o.orderId).sort()).toEqual([sent[1], sent[3]].sort());
    expect((await kit.api('globex').get('/v1/orders?cursor=not-a-cursor').expect(400)).body.message).toMatch(/^query\.cursor:/);
    expect((await kit.api('globex').get('/v1/orders?customerEmail=pat').expect(400)).body.message).toMatch(/^query\.customerEmail:/);
    expect((await kit.api('acme').get(`/v1/orders?customerEmail=pat@example.com`).expect(200)).body.orders).toEqual([]);
  });

  it('lets a merchant resend its own order, answering with the new event ids', async () => {
    const resent = await kit.api('acme').post(`/v1/orders/${orderId}/resend`).expect(202);
    expect(resent.body.resent).toEqual(allocated.map((a) => ({ lineId: a.data.lineId, eventId: expect.any(String), resendof: a.id })));
    await kit.api('acme').post(`/v1/orders/${orderId}/lines/9/resend`).expect(404);
  });

  it('saves a delivery rule, reads it back, and reads the defaults of a product never set', async () => {
    const saved = await kit.api('acme').put('/v1/merchants/m_acme/products/p_pack/delivery', { rule: 'per_product' }).expect(200);
    expect(saved.body).toMatchObject({ merchantId: 'm_acme', productId: 'p_pack', rule: 'per_product', showOnOrderPage: false, isDefault: false });
    await kit.api('support').get('/v1/merchants/m_acme/products/p_pack/delivery').expect(200, saved.body);
    const unset = await kit.api('acme').get('/v1/merchants/m_acme/products/p_new/delivery').expect(200);
    expect(unset.body).toEqual({
      merchantId: 'm_acme',
      productId: 'p_new',
      rule: 'per_unit',
      showOnOrderPage: false,
      renewalRequiresSameCustomer: true,
      isDefault: true,
      updatedAt: null,
    });
  });

  it('refuses a delivery setting naming the field to fix', async () => {
    const badRule = await kit.api('acme').put('/v1/merchants/m_acme/products/p_pack/delivery', { rule: 'per_box' }).expect(400);
    const ruleProblem = 'body.rule: must be one of "per_unit", "per_product", got "per_box"';
    expect(badRule.body).toEqual({ statusCode: 400, error: 'Bad Request', message: ruleProblem, details: { errors: [ruleProblem] } });
    const badFlag = await kit.api('acme').put('/v1/merchants/m_acme/products/p_pack/delivery', { rule: 'per_unit', showOnOrderPage: 'yes' }).expect(400);
    expect(badFlag.body.message).toMatch(/^body\.showOnOrderPage:/);
  });

  it('refuses calls without an API key', async () => {
    await kit.api(null).get(`/v1/orders/${orderId}`).expect(401);
    await kit.api(null).get('/v1/orders').expect(401);
    await kit.api(null).put('/v1/merchants/m_acme/products/p_pack/delivery', { rule: 'per_unit' }).expect(401);
  });

  it('reads an order in one snapshot: a line change committed while the view is read shows whole or not at all', async () => {
    const order = paidOrder([{ productId: 'p_snapshot', quantity: 1 }]);
    await kit.send('orderPaid', 'OrderPaid', order);
    const before = await kit.orderOnceItShows(order.orderId, (o) => o.lines.length === 1 && o.lines[0].statusHistory.length > 0);
    // A change the way the service makes one: the line's status and its history row in one
    // transaction, which holds order_lines until it commits, so the view's read of the lines waits
    // for it while its other reads go on.
    const writer = new Client({ connectionString: kit.db.url });
    await writer.connect();
    try {
      await writer.query('BEGIN; LOCK TABLE order_lines IN ACCESS EXCLUSIVE MODE');
      const view = kit.api('acme').get(`/v1/orders/${order.orderId}`).expect(200);
      const reading = view.then((r) => r.body as OrderJson);
      await waitUntil(
        async () => (await writer.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rowCount! > 0,
        10000,
        'the view waiting for order_lines',
      );
      await writer.query(`UPDATE order_lines SET status = 'email_failed', status_reason = 'snapshot test' WHERE order_id = $1`, [order.orderId]);
      await writer.query(`INSERT INTO status_history (order_id, line_id, status, reason) VALUES ($1, '1', 'email_failed', 'snapshot test')`, [order.orderId]);
      await writer.query('COMMIT');
      const [line] = (await reading).lines;
      // The read began before the change: it shows the line as it was, with the history it had.
      expect(line.status).toBe(before.lines[0].status);
      expect(line.statusHistory).toEqual(before.lines[0].statusHistory);
    } finally {
      await writer.end();
    }
    const [after] = (await kit.api('acme').get(`/v1/orders/${order.orderId}`).expect(200)).body.lines as OrderJson['lines'];
    expect(after.status).toBe('email_failed');
    expect(after.statusHistory.at(-1)).toEqual({ status: 'email_failed', reason: 'snapshot test', at: expect.any(String) });
  });

  // Last: it adds acme orders the tests above do not expect.
  it('filters the list by refund status, as each order is shown, and no longer lists a refunded order as received', async () => {
    const whole = paidOrder([{ productId: 'p_refund', quantity: 1 }]);
    const partial = paidOrder([
      { productId: 'p_refund', quantity: 1 },
      { productId: 'p_refund_too', quantity: 1 },
    ]);
    for (const order of [whole, partial]) await kit.send('orderPaid', 'OrderPaid', order);
    const refund = exampleEventData.OrderRefunded;
    await kit.send('orderRefunded', 'OrderRefunded', { ...refund, orderId: whole.orderId, merchantId: 'm_acme', lineIds: null });
    await kit.send('orderRefunded', 'OrderRefunded', { ...refund, orderId: partial.orderId, merchantId: 'm_acme', lineIds: ['1'] });
    const ids = async (status: string) =>
      ((await kit.api('acme').get(`/v1/orders?status=${status}`).expect(200)).body.orders as { orderId: string; status: string }[]).map(
        (o) => `${o.orderId} ${o.status}`,
      );
    await waitUntil(async () => (await ids('refunded')).length === 1 && (await ids('partially_refunded')).length === 1, 20000, 'both refunds applied');
    expect(await ids('refunded')).toEqual([`${whole.orderId} refunded`]);
    expect(await ids('partially_refunded')).toEqual([`${partial.orderId} partially_refunded`]);
    const received = await ids('received');
    expect(received).toContain(`${orderId} received`);
    expect(received.join()).not.toContain(whole.orderId);
    expect(received.join()).not.toContain(partial.orderId);
    expect((await kit.api('acme').get('/v1/orders?status=refunded_twice').expect(400)).body.message).toMatch(/^query\.status: .*partially_refunded/);
  });
});
