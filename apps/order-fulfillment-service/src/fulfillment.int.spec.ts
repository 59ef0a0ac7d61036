import { Client } from 'pg';
import { exampleEventData, type EventDataOf } from '@keypool/contracts';
import { Envelope, InboundEventOf, Messaging, envelope } from '@keypool/messaging';
import { RecordEmailsSent } from './email/email-outcomes.handler';
import { headerText, uniqueName, waitUntil } from '@keypool/testing';
import { FulfillmentTestKit, paidOrder } from '../test/fulfillment-test-kit';

type Requested = Envelope<EventDataOf<'AllocationRequested'>>;

describe('order fulfillment over Kafka', () => {
  let kit: FulfillmentTestKit;

  beforeAll(async () => {
    kit = await FulfillmentTestKit.start('fulfil_flow', ['allocationRequested', 'orderFulfilled', 'licenseAllocated']);
    await kit.api().put('/v1/merchants/m_acme/products/p_bundle/delivery', { rule: 'per_product' }).expect(200);
  });
  afterAll(() => kit?.stop());

  async function requestsOf(orderId: string, lines: number): Promise<Requested[]> {
    return kit.waitForPublished<'AllocationRequested'>('allocationRequested', orderId, lines);
  }

  async function allocateAndEmail(orderId: string, lines: number) {
    const allocated = await Promise.all((await requestsOf(orderId, lines)).map((r) => kit.allocate(r.data)));
    await Promise.all(allocated.map((a) => kit.emailSent(a)));
    await kit.waitForPublished('orderFulfilled', orderId, 1);
    return allocated;
  }

  it("asks for licenses by each product's rule and announces the order fulfilled once every line is e-mailed", async () => {
    const order = paidOrder([
      { productId: 'p_seat', quantity: 3 },
      { productId: 'p_bundle', quantity: 2 },
    ]);
    await kit.send('orderPaid', 'OrderPaid', order);

    const requests = await requestsOf(order.orderId, 2);
    expect(requests.map((r) => [r.data.lineId, r.data.licenseCount])).toEqual([
      ['1', 3],
      ['2', 1],
    ]);
    expect(requests[0]).toMatchObject({ type: 'AllocationRequested', data: { merchantId: 'm_acme', customer: order.customer, parentLicenses: [] } });

    const allocated = await Promise.all(requests.map((r) => kit.allocate(r.data)));
    // As in the real flow, the e-mail follows the allocation (the other order is tested below).
    await kit.orderOnceItShows(order.orderId, (o) => o.lines.every((l) => l.status === 'allocated'));
    await Promise.all(allocated.map((a) => kit.emailSent(a)));

    const [fulfilled] = await kit.waitForPublished<'OrderFulfilled'>('orderFulfilled', order.orderId, 1);
    expect(fulfilled.data).toEqual({
      orderId: order.orderId,
      merchantId: 'm_acme',
      fulfilledAt: expect.any(String),
      lines: allocated.map((a) => ({ lineId: a.data.lineId, productId: a.data.productId, licenseIds: a.data.licenses.map((l) => l.licenseId) })),
    });
    const shown = await kit.orderOnceItShows(order.orderId);
    expect(shown.status).toBe('fulfilled');
    expect(shown.lines.map((l) => l.status)).toEqual(['delivered', 'delivered']);
    expect(shown.lines[0].statusHistory.map((h) => h.status)).toEqual(['received', 'allocated', 'delivered']);
    expect(shown.emails.map((e) => [e.lineId, e.kind])).toEqual(
      expect.arrayContaining([
        ['1', 'sent'],
        ['2', 'sent'],
      ]),
    );
  });

  it('passes a test purchase on as such, so the pool serves it from test pools only', async () => {
    const order = paidOrder([{ productId: 'p_seat', quantity: 1 }], { test: true });
    await kit.send('orderPaid', 'OrderPaid', order);
    const [request] = await requestsOf(order.orderId, 1);
    expect(request.data.test).toBe(true);
  });

  it('stores an order as sent when its text holds quotes and backslashes', async () => {
    const base = exampleEventData.OrderPaid.customer;
    const order = paidOrder([{ productId: 'p_seat', quantity: 1 }], { customer: { ...base, lastName: `O'Brien \\ "Lee"`, company: `Ann's \\x00 GmbH` } });
    await kit.send('orderPaid', 'OrderPaid', order);
    await requestsOf(order.orderId, 1);
    const client = new Client({ connectionString: kit.db.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT customer, currency, test FROM orders WHERE order_id = $1', [order.orderId]);
      expect(rows).toEqual([{ customer: order.customer, currency: order.currency, test: false }]);
    } finally {
      await client.end();
    }
  });

  it('delivers a line whose EmailSent arrives before its LicenseAllocated, keeping the e-mailed license ids', async () => {
    // Two topics, two consumers: order-fulfillment may see notification's EmailSent first.
    const order = paidOrder([{ productId: 'p_seat', quantity: 1 }]);
    await kit.send('orderPaid', 'OrderPaid', order);
    const [request] = await requestsOf(order.orderId, 1);
    const licenses = [{ licenseId: uniqueName('lic_early'), value: 'EARLY-0001-KEY' }];
    const { licenseCount: _count, ...line } = request.data;
    const early = envelope({ type: 'LicenseAllocated', source: 'test', data: { ...line, poolId: 'pool_test', licenses } });
    await kit.emailSent(early);
    const [fulfilled] = await kit.waitForPublished<'OrderFulfilled'>('orderFulfilled', order.orderId, 1);
    expect(fulfilled.data.lines).toEqual([{ lineId: '1', productId: 'p_seat', licenseIds: [licenses[0].licenseId] }]);
    await kit.allocate(request.data, licenses);
    const shown = await kit.orderOnceItShows(order.orderId, (o) => o.lines[0].licenses.length === 1);
    expect(shown.status).toBe('fulfilled');
    expect(shown.lines[0].statusHistory.map((h) => h.status)).toEqual(['received', 'delivered']);
    expect(shown.lines[0].licenses.map((l) => l.licenseId)).toEqual([licenses[0].licenseId]);
  });

  it('fulfils an order once even when its EmailSent events are redelivered or repeated', async () => {
    const order = paidOrder([{ productId: 'p_seat', quantity: 1 }]);
    await kit.send('orderPaid', 'OrderPaid', order);
    const [allocated] = await allocateAndEmail(order.orderId, 1);
    const again = await kit.emailSent(allocated);
    await kit.emailSent(allocated, false, again.id);
    const last = await kit.emailSent(allocated);

    const shown = await kit.orderOnceItShows(order.orderId, (o) => o.emails.some((e) => e.eventId === last.id));
    expect(shown.emails.filter((e) => e.eventId === again.id)).toHaveLength(1);
    expect(await kit.outboxCount('OrderFulfilled', order.orderId)).toBe(1);
    expect(kit.published('orderFulfilled', order.orderId)).toHaveLength(1);
  });

  it('fulfils an order exactly once when the e-mails of its lines are recorded concurrently', async () => {
    const order = paidOrder([
      { productId: 'p_seat', quantity: 1 },
      { productId: 'p_bundle', quantity: 1 },
    ]);
    await kit.send('orderPaid', 'OrderPaid', order);
    const allocated = await Promise.all((await requestsOf(order.orderId, 2)).map((r) => kit.allocate(r.data)));
    await kit.orderOnceItShows(order.orderId, (o) => o.lines.every((l) => l.status === 'allocated'));

    const messaging = kit.app.get(Messaging);
    const emailsSent = kit.app.get(RecordEmailsSent);
    const sent = (a: (typeof allocated)[number]) => ({
      envelope: envelope({
        type: 'EmailSent',
        source: '/test',
        data: { ...a.data, to: a.data.customer.email, licenseIds: a.data.licenses.map((l) => l.licenseId), resend: false, sentAt: new Date().toISOString() },
      }),
    });
    await Promise.all(allocated.map((a) => messaging.transactions.run((tx) => emailsSent.record([sent(a) as unknown as InboundEventOf<'EmailSent'>], tx))));
    expect(await kit.outboxCount('OrderFulfilled', order.orderId)).toBe(1);
    expect((await kit.orderOnceItShows(order.orderId)).status).toBe('fulfilled');
  });

  it('ignores a repeated OrderPaid, by event id or by order id, and counts the repeat', async () => {
    const duplicatesBefore = await kit.metric('keypool_duplicate_orders_total');
    const order = paidOrder([
      { productId: 'p_seat', quantity: 2 },
      { productId: 'p_bundle', quantity: 1 },
    ]);
    const first = await kit.send('orderPaid', 'OrderPaid', order);
    await kit.send('orderPaid', 'OrderPaid', order, { id: first.id });
    await kit.send('orderPaid', 'OrderPaid', { ...order, customer: { ...order.customer, email: 'someone-else@example.com' } });

    await waitUntil(async () => (await kit.metric('keypool_duplicate_orders_total')) > duplicatesBefore, 20000, 'the duplicate to be counted');
    expect(await kit.metric('keypool_duplicate_orders_total')).toBe(duplicatesBefore + 1);
    expect(await kit.outboxCount('AllocationRequested', order.orderId)).toBe(2);
    expect((await requestsOf(order.orderId, 2)).every((r) => r.data.customer.email === order.customer.email)).toBe(true);
  });

  it('shows a line waiting for stock with the reason, refuses to resend it, and allocates it later', async () => {
    const order = paidOrder([
      { productId: 'p_seat', quantity: 1 },
      { productId: 'p_rare', quantity: 1 },
    ]);
    await kit.send('orderPaid', 'OrderPaid', order);
    const [, rare] = await requestsOf(order.orderId, 2);
    const reason = 'pool pool_rare has 0 licenses available; this line needs 1';
    const { orderId, merchantId, lineId, productId } = rare.data;
    await kit.send('allocationDeferred', 'AllocationDeferred', {
      orderId,
      merchantId,
      lineId,
      productId,
      status: 'awaiting_stock',
      reason,
      poolId: 'pool_rare',
      deferredAt: new Date().toISOString(),
    });

    const waiting = await kit.orderOnceItShows(order.orderId, (o) => o.lines[1].status === 'awaiting_stock');
    expect(waiting.lines[1]).toMatchObject({ status: 'awaiting_stock', statusReason: reason });
    expect(waiting.lines[1].statusHistory.at(-1)).toEqual({ status: 'awaiting_stock', reason, at: expect.any(String) });
    const refused = await kit.api('acme').post(`/v1/orders/${order.orderId}/lines/2/resend`).expect(409);
    expect(refused.body.message).toBe('line 2 has no licenses yet (status awaiting_stock); it is e-mailed automatically once stock arrives');
    await kit.api().post(`/v1/orders/${order.orderId}/resend`).expect(409);

    await kit.allocate(rare.data);
    const allocated = await kit.orderOnceItShows(order.orderId, (o) => o.lines[1].status === 'allocated');
    expect(allocated.lines[1].statusHistory.map((h) => h.status)).toEqual(['received', 'awaiting_stock', 'allocated']);
    expect(allocated.lines[1].statusReason).toBeNull();
  });

  it('resends the saved licenses of a line and of an order without a second OrderFulfilled', async () => {
    const order = paidOrder([
      { productId: 'p_seat', quantity: 2 },
      { productId: 'p_bundle', quantity: 4 },
    ]);
    await kit.send('orderPaid', 'OrderPaid', order);
    const allocated = await allocateAndEmail(order.orderId, 2);

    const line = await kit.api('acme').post(`/v1/orders/${order.orderId}/lines/1/resend`).expect(202);
    expect(line.body).toEqual({ resent: [{ lineId: '1', eventId: expect.any(String), resendof: allocated[0].id }], skipped: [] });
    const whole = await kit.api('support').post(`/v1/orders/${order.orderId}/resend`).expect(202);
    expect(whole.body.resent.map((r: { resendof: string }) => r.resendof)).toEqual(allocated.map((a) => a.id));

    const onTopic = await kit.waitForPublished<'LicenseAllocated'>('licenseAllocated', order.orderId, 2 + 3);
    const resends = onTopic.filter((e) => e.resendof);
    expect(resends.map((e) => e.id)).toEqual([line.body.resent[0].eventId, ...whole.body.resent.map((r: { eventId: string }) => r.eventId)]);
    for (const resend of resends) {
      const original = allocated.find((a) => a.id === resend.resendof)!;
      expect(resend.data).toEqual({ ...original.data, paidAt: new Date(original.data.paidAt).toISOString() });
    }

    await Promise.all(resends.map((r) => kit.emailSent(r, true)));
    const shown = await kit.orderOnceItShows(order.orderId, (o) => o.emails.filter((e) => e.kind === 'sent' && e.resend).length === 3);
    expect(shown.status).toBe('fulfilled');
    expect(shown.emails.filter((e) => e.kind === 'resend_requested')).toHaveLength(3);
    expect(await kit.outboxCount('OrderFulfilled', order.orderId)).toBe(1);
    expect(await kit.outboxCount('AllocationRequested', order.orderId)).toBe(2);
  });

  it("gives a renewal its parent's licenses of the same product only, and notes a renewal of an unknown order", async () => {
    const parent = paidOrder([
      { productId: 'p_seat', quantity: 1 },
      { productId: 'p_bundle', quantity: 1 },
    ]);
    await kit.send('orderPaid', 'OrderPaid', parent);
    const allocated = await allocateAndEmail(parent.orderId, 2);
    const seatLicenses = allocated.find((a) => a.data.productId === 'p_seat')!.data.licenses;

    const renewal = paidOrder(
      [
        { productId: 'p_seat', quantity: 1 },
        { productId: 'p_other', quantity: 1 },
      ],
      {
        parentOrderId: parent.orderId,
        customer: { ...parent.customer, email: parent.customer.email.toUpperCase() },
      },
    );
    const orphan = paidOrder([{ productId: 'p_seat', quantity: 1 }], { parentOrderId: 'ord_never_seen' });
    await kit.send('orderPaid', 'OrderPaid', renewal);
    await kit.send('orderPaid', 'OrderPaid', orphan);

    const renewed = await requestsOf(renewal.orderId, 2);
    expect(renewed.map((r) => [r.data.productId, r.data.parentLicenses])).toEqual([
      ['p_seat', seatLicenses],
      ['p_other', []],
    ]);
    const [orphaned] = await requestsOf(orphan.orderId, 1);
    expect(orphaned.data.parentLicenses).toEqual([]);
    const shown = await kit.orderOnceItShows(orphan.orderId);
    expect(shown.notes).toEqual([expect.stringContaining('ord_never_seen')]);
  });

  it("never fills {PARENT_KEY} from another merchant's order or another customer's, on intake or on resend", async () => {
    const parent = paidOrder([{ productId: 'p_seat', quantity: 1 }]);
    await kit.send('orderPaid', 'OrderPaid', parent);
    const [allocated] = await allocateAndEmail(parent.orderId, 1);
    const secret = allocated.data.licenses[0].value;

    const otherMerchant = paidOrder([{ productId: 'p_seat', quantity: 1 }], { merchantId: 'm_globex', parentOrderId: parent.orderId });
    const otherCustomer = paidOrder([{ productId: 'p_seat', quantity: 1 }], {
      parentOrderId: parent.orderId,
      customer: { ...parent.customer, email: 'mallory@example.com' },
    });
    await kit.send('orderPaid', 'OrderPaid', otherMerchant);
    await kit.send('orderPaid', 'OrderPaid', otherCustomer);
    const [crossMerchant] = await requestsOf(otherMerchant.orderId, 1);
    const [crossCustomer] = await requestsOf(otherCustomer.orderId, 1);
    expect(crossMerchant.data.parentLicenses).toEqual([]);
    expect(crossCustomer.data.parentLicenses).toEqual([]);
    // Another merchant's order reads exactly like one that does not exist.
    expect((await kit.orderOnceItShows(otherMerchant.orderId)).notes).toEqual([expect.stringContaining('which this service does not know')]);
    expect((await kit.orderOnceItShows(otherCustomer.orderId)).notes).toEqual([expect.stringContaining('another customer e-mail')]);

    // A resend makes the same choice as intake did.
    await allocateAndEmail(otherMerchant.orderId, 1);
    const resent = await kit.api('globex').post(`/v1/orders/${otherMerchant.orderId}/resend`).expect(202);
    const [republished] = (await kit.waitForPublished<'LicenseAllocated'>('licenseAllocated', otherMerchant.orderId, 2)).filter(
      (e) => e.id === resent.body.resent[0].eventId,
    );
    expect(republished.data.parentLicenses).toEqual([]);
    expect(JSON.stringify(republished)).not.toContain(secret);
  });

  it('lets a product accept renewals by another customer of the same merchant when the merchant allows it', async () => {
    await kit.api('acme').put('/v1/merchants/m_acme/products/p_team/delivery', { rule: 'per_unit', renewalRequiresSameCustomer: false }).expect(200);
    const parent = paidOrder([{ productId: 'p_team', quantity: 1 }]);
    await kit.send('orderPaid', 'OrderPaid', parent);
    const [allocated] = await allocateAndEmail(parent.orderId, 1);
    const renewal = paidOrder([{ productId: 'p_team', quantity: 1 }], {
      parentOrderId: parent.orderId,
      customer: { ...parent.customer, email: 'it@example.com' },
    });
    await kit.send('orderPaid', 'OrderPaid', renewal);
    const [renewed] = await requestsOf(renewal.orderId, 1);
    expect(renewed.data.parentLicenses).toEqual(allocated.data.licenses);
  });

  it('marks a line email_failed on a permanent failure, and a successful resend then fulfils the order', async () => {
    const order = paidOrder([{ productId: 'p_seat', quantity: 1 }]);
    await kit.send('orderPaid', 'OrderPaid', order);
    const [requested] = await requestsOf(order.orderId, 1);
    const allocated = await kit.allocate(requested.data);
    const { orderId, merchantId, lineId, productId } = requested.data;
    const failedAt = new Date().toISOString();
    // A quote and a backslash: the reason goes into three columns as escaped literals.
    const reason = `SendGrid 400: invalid recipient 'ann@example.com' \\ 550`;
    await kit.send('emailFailed', 'EmailFailed', {
      orderId,
      merchantId,
      lineId,
      productId,
      to: 'ann@example.com',
      reason,
      permanent: true,
      attempts: 1,
      resend: false,
      failedAt,
      statusCode: 400,
    });
    const failed = await kit.orderOnceItShows(orderId, (o) => o.lines[0].status === 'email_failed');
    expect(failed.lines[0].statusReason).toBe(reason);
    expect(failed.emails).toEqual([
      expect.objectContaining({
        kind: 'failed',
        to: 'ann@example.com',
        reason,
        permanent: true,
        attempts: 1,
        statusCode: 400,
        resend: false,
        providerMessageId: null,
        licenseIds: [],
        at: failedAt,
      }),
    ]);
    // Contains, not last: the allocation may be recorded after the failure (two topics).
    expect(failed.lines[0].statusHistory).toContainEqual({ status: 'email_failed', reason, at: expect.any(String) });

    const resent = await kit.api().post(`/v1/orders/${orderId}/resend`).expect(202);
    const sent = await kit.emailSent({ ...allocated, id: resent.body.resent[0].eventId }, true);
    await kit.waitForPublished('orderFulfilled', orderId, 1);
    const fulfilled = await kit.orderOnceItShows(orderId, (o) => o.status === 'fulfilled');
    expect(fulfilled.lines[0].status).toBe('delivered');
    // Every column of the e-mail's history row, as the EmailSent event gave it.
    expect(fulfilled.emails.find((e) => e.kind === 'sent')).toEqual(
      expect.objectContaining({
        lineId,
        kind: 'sent',
        eventId: sent.id,
        resend: true,
        to: sent.data.to,
        licenseIds: sent.data.licenseIds,
        providerMessageId: sent.data.providerMessageId,
        reason: null,
        permanent: null,
        attempts: null,
        statusCode: null,
        at: sent.data.sentAt,
      }),
    );
  });

  it('keeps a refund that arrives before its order and applies it on intake: the refunded line is never asked of the pool', async () => {
    const order = paidOrder([
      { productId: 'p_seat', quantity: 1 },
      { productId: 'p_bundle', quantity: 1 },
    ]);
    const refund = { ...exampleEventData.OrderRefunded, orderId: order.orderId, merchantId: order.merchantId, lineIds: ['2'] };
    await kit.send('orderRefunded', 'OrderRefunded', refund);
    const pending = new Client({ connectionString: kit.db.url });
    await pending.connect();
    try {
      const stored = async () => (await pending.query('SELECT applied_at FROM order_refunds WHERE order_id = $1', [order.orderId])).rows;
      await waitUntil(async () => (await stored()).length === 1, 20000, 'the early refund to be kept');
      expect(await stored()).toEqual([{ applied_at: null }]);

      await kit.send('orderPaid', 'OrderPaid', order);
      const [requested] = await requestsOf(order.orderId, 1);
      expect(requested.data.lineId).toBe('1');
      const shown = await kit.orderOnceItShows(order.orderId, (o) => o.lines[1].status === 'cancelled');
      expect(shown.status).toBe('partially_refunded');
      expect(shown.lines.map((l) => l.status)).toEqual(['received', 'cancelled']);
      expect(await kit.outboxCount('AllocationRequested', order.orderId)).toBe(1);
      expect((await stored())[0].applied_at).not.toBeNull();
    } finally {
      await pending.end();
    }
  });
});

describe('malformed orders', () => {
  let kit: FulfillmentTestKit;

  beforeAll(async () => {
    kit = await FulfillmentTestKit.start('fulfil_dlq', ['allocationRequested']);
    await kit.openReader('dlq', `${kit.topics.orderPaid}.dlq`);
  });
  afterAll(() => kit?.stop());

  it('go to order-paid.dlq with a reason naming the problem, and the next valid order is served', async () => {
    const valid = paidOrder([{ productId: 'p_seat', quantity: 1 }]);
    const wrap = (data: unknown, type = 'OrderPaid') => JSON.stringify({ specversion: '1.0', id: `bad-${Math.random()}`, source: '/test', type, data });
    const bad: [string, string, RegExp][] = [
      ['not-json', '{"specversion": "1.0", oops', /not valid JSON/],
      ['no-items', wrap({ ...valid, items: [] }), /data\.items: must contain at least 1 item/],
      ['zero', wrap({ ...valid, items: [{ ...valid.items[0], quantity: 0 }] }), /data\.items\[0\]\.quantity: must be an integer >= 1, got 0/],
      [
        'types',
        wrap({ ...valid, merchantId: 42, items: [{ ...valid.items[0], quantity: '2' }] }),
        /data\.merchantId: must be a string.*data\.items\[0\]\.quantity/,
      ],
      ['unknown-type', wrap(valid, 'OrderPayed'), /unknown event type "OrderPayed"/],
      ['same-line-twice', wrap({ ...valid, items: [valid.items[0], valid.items[0]] }), /data\.items\[1\]\.lineId: repeats line "1"/],
      // The contract's limits: the reason names the field and the limit.
      [
        'absurd-quantity',
        wrap({ ...valid, items: [{ ...valid.items[0], quantity: 1_000_000_000 }] }),
        /data\.items\[0\]\.quantity: must be at most 10000, got 1000000000/,
      ],
      ['101-lines', wrap({ ...valid, items: Array.from({ length: 101 }, (_, i) => ({ ...valid.items[0], lineId: String(i + 1) })) }), /data\.items: .*100/],
      ['long-company', wrap({ ...valid, customer: { ...valid.customer, company: 'x'.repeat(201) } }), /data\.customer\.company: .*200/],
    ];
    for (const [key, value] of bad) await kit.sendRaw('orderPaid', key, value);
    await kit.send('orderPaid', 'OrderPaid', valid);

    await kit.waitForPublished('allocationRequested', valid.orderId, 1);
    const dead = await kit.reader('dlq').waitForCount(bad.length);
    for (const [key, , reason] of bad) {
      const letter = dead.find((m) => m.key?.toString() === key);
      expect(headerText(letter!, 'dlq-reason')).toMatch(reason);
    }
  });

  it('dead-letters events about orders or lines it never received, naming them, and changes nothing', async () => {
    const allocatedDlq = await kit.openReader('allocatedDlq', `${kit.topics.licenseAllocated}.dlq`);
    const sentDlq = await kit.openReader('sentDlq', `${kit.topics.emailSent}.dlq`);
    const order = paidOrder([{ productId: 'p_seat', quantity: 1 }]);
    await kit.send('orderPaid', 'OrderPaid', order);
    const [request] = await kit.waitForPublished<'AllocationRequested'>('allocationRequested', order.orderId, 1);

    await kit.allocate({ ...request.data, lineId: '7' });
    const stranger = await kit.allocate({ ...request.data, orderId: 'ord_stranger' });
    await kit.emailSent(stranger);

    // Keyed by order, so the two letters may come from different partitions in either order.
    const reasons = (await allocatedDlq.waitForCount(2)).map((m) => headerText(m, 'dlq-reason'));
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`LicenseAllocated for order ${order.orderId} line 7, which this service never received`),
        expect.stringContaining('LicenseAllocated for order ord_stranger line 1, which this service never received'),
      ]),
    );
    const [unknownEmail] = await sentDlq.waitForCount(1);
    expect(headerText(unknownEmail, 'dlq-reason')).toContain('EmailSent for order ord_stranger line 1, which this service never received');
    const shown = await kit.orderOnceItShows(order.orderId);
    expect(shown.lines.map((l) => [l.lineId, l.status])).toEqual([['1', 'received']]);
  });
});
