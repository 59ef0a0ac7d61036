import { Client } from 'pg';
import { dataschemaOf, type OrderRefundedData } from '@keypool/contracts';
import { envelope } from '@keypool/messaging';
import { TopicReader, headerText, produceCloudEvents, uniqueName, waitUntil } from '@keypool/testing';
import { LineSpec, orderPaid, orderPaidEvent, publishOrderPaid } from './support/orders';
import { RunningSystem, api, startSystem } from './support/system';

interface OrderView {
  status: string;
  fulfillmentStatus: string;
  refundStatus: string | null;
  lines: { lineId: string; status: string; refundedAt: string | null; licenses: { licenseId: string }[] }[];
}
interface LineHeld {
  data: { orderId: string; lineId: string; status: string };
}
interface Revoked {
  data: { licenseId: string; orderId: string; lineId: string; poolId: string; reason: string };
}

const merchantId = 'm_refunds';

describe('refunds: held lines cancelled, delivered lines by the pool refund policy, OrderLineHeld (three services, real broker and PostgreSQL)', () => {
  let system: RunningSystem;
  let held: TopicReader;
  let revoked: TopicReader;
  let refundDlq: TopicReader;

  beforeAll(async () => {
    system = await startSystem('refunds');
    [held, revoked, refundDlq] = await Promise.all([
      TopicReader.open(system.kafka, system.topics.orderLineHeld),
      TopicReader.open(system.kafka, system.topics.licenseRevoked),
      TopicReader.open(system.kafka, `${system.topics.orderRefunded}.dlq`),
    ]);
  }, 180000);
  afterAll(async () => {
    await Promise.all([held?.close(), revoked?.close(), refundDlq?.close()]);
    await system?.stop();
  });

  async function product(licenses: number, refundPolicy?: 'revoke' | 'return_if_unsent' | 'keep'): Promise<{ productId: string; poolId: string }> {
    const productId = uniqueName('p');
    const pool = await api<{ id: string; refundPolicy: string }>(system.pool, 'POST', '/pools', {
      json: { merchantId, productId, threshold: 0, mode: 'live', ...(refundPolicy ? { refundPolicy } : {}) },
      expect: 201,
    });
    expect(pool.refundPolicy).toBe(refundPolicy ?? 'revoke');
    if (licenses > 0) await importLicenses(pool.id, licenses);
    return { productId, poolId: pool.id };
  }

  async function importLicenses(poolId: string, count: number): Promise<void> {
    const lines = Array.from({ length: count }, () => uniqueName('KEY').toUpperCase()).join('\n');
    await api(system.pool, 'POST', `/pools/${poolId}/licenses`, { text: lines, expect: 200 });
  }

  async function pay(lines: LineSpec[], orderId = uniqueName('ord')) {
    const event = orderPaidEvent(orderPaid(merchantId, lines, { orderId }));
    await publishOrderPaid(system.kafka, system.topics.orderPaid, event);
    return event.data.orderId;
  }

  async function refund(orderId: string, extra: Partial<OrderRefundedData> = {}) {
    const data: OrderRefundedData = { orderId, merchantId, lineIds: null, reason: 'customer_request', refundedAt: new Date().toISOString(), ...extra };
    const event = envelope({ type: 'OrderRefunded', source: 'e2e/checkout', dataschema: dataschemaOf('OrderRefunded'), data });
    await produceCloudEvents(system.kafka, system.topics.orderRefunded, orderId, [event]);
  }

  const order = (orderId: string) => api<OrderView>(system.fulfillment, 'GET', `/orders/${orderId}`, { expect: 200 });
  const orderIf = (orderId: string) => order(orderId).catch(() => undefined);
  const waitFor = (what: string, check: (view: OrderView) => boolean, orderId: string) =>
    waitUntil(
      async () => {
        const view = await orderIf(orderId);
        return view !== undefined && check(view);
      },
      60000,
      `order ${orderId}: ${what}`,
    );
  const heldOf = (orderId: string) =>
    held
      .values<LineHeld>()
      .filter((e) => e.data.orderId === orderId)
      .map((e) => `${e.data.lineId}:${e.data.status}`);
  const revokedOf = (orderId: string) => revoked.values<Revoked>().filter((e) => e.data.orderId === orderId);
  const poolOf = (poolId: string) => api<{ available: number; allocated: number }>(system.pool, 'GET', `/pools/${poolId}`);
  const licensesOf = (poolId: string, status: string) =>
    api<{ items: { licenseId: string }[] }>(system.pool, 'GET', `/pools/${poolId}/licenses?status=${status}`).then((r) =>
      r.items.map((l) => l.licenseId).sort(),
    );

  it('cancels a held line of a refunded order, tells the checkout, and never serves it when stock arrives', async () => {
    const { productId, poolId } = await product(0);
    const orderId = await pay([{ productId, quantity: 2 }]);
    await waitFor('awaiting_stock', (v) => v.lines[0].status === 'awaiting_stock', orderId);
    await waitUntil(() => heldOf(orderId).includes('1:awaiting_stock'), 30000, 'OrderLineHeld awaiting_stock');

    await refund(orderId);
    await waitFor('refunded', (v) => v.status === 'refunded' && v.lines[0].status === 'cancelled', orderId);
    await waitUntil(() => heldOf(orderId).includes('1:cancelled'), 30000, 'OrderLineHeld cancelled');

    // Stock arrives, then a later order for one license: it is served, the refunded line never.
    // The refund reached pool-service before the import when the pool shows no held line.
    await waitUntil(
      async () => (await api<{ backordered: number }>(system.pool, 'GET', `/pools/${poolId}`)).backordered === 0,
      30000,
      'held line cancelled in the pool',
    );
    await importLicenses(poolId, 2);
    const later = await pay([{ productId, quantity: 1 }]);
    await waitFor('fulfilled', (v) => v.status === 'fulfilled', later);
    expect((await poolOf(poolId)).available).toBe(1);
    const view = await order(orderId);
    expect(view.lines[0]).toMatchObject({ status: 'cancelled', licenses: [] });
    expect(heldOf(orderId)).not.toContain('1:served');
  });

  it('tells the checkout when a waiting line is served', async () => {
    const { productId, poolId } = await product(0);
    const orderId = await pay([{ productId, quantity: 1 }]);
    await waitUntil(() => heldOf(orderId).includes('1:awaiting_stock'), 45000, 'OrderLineHeld awaiting_stock');
    await importLicenses(poolId, 1);
    await waitFor('fulfilled', (v) => v.status === 'fulfilled', orderId);
    await waitUntil(() => heldOf(orderId).includes('1:served'), 30000, 'OrderLineHeld served');
    expect(heldOf(orderId)).toEqual(['1:awaiting_stock', '1:served']);
  });

  it('after delivery, applies each pool policy: revoke and return_if_unsent (e-mail sent) revoke with LicenseRevoked, keep records only; partial by line id; a repeat changes nothing', async () => {
    const revoking = await product(3, 'revoke');
    const returning = await product(3, 'return_if_unsent');
    const keeping = await product(3, 'keep');
    const orderId = await pay([
      { productId: revoking.productId, quantity: 2 },
      { productId: returning.productId, quantity: 1 },
      { productId: keeping.productId, quantity: 1 },
    ]);
    await waitFor('fulfilled', (v) => v.status === 'fulfilled', orderId);
    const delivered = await order(orderId);
    const idsOf = (lineId: string) =>
      delivered.lines
        .find((l) => l.lineId === lineId)!
        .licenses.map((l) => l.licenseId)
        .sort();

    await refund(orderId, { lineIds: ['1'] });
    await waitFor('partially_refunded', (v) => v.status === 'partially_refunded', orderId);
    await waitUntil(() => revokedOf(orderId).length === 2, 30000, 'two LicenseRevoked');
    expect(
      revokedOf(orderId)
        .map((e) => e.data.licenseId)
        .sort(),
    ).toEqual(idsOf('1'));
    expect(revokedOf(orderId)[0].data).toMatchObject({ lineId: '1', poolId: revoking.poolId, reason: 'refund: customer_request' });
    expect(await licensesOf(revoking.poolId, 'revoked')).toEqual(idsOf('1'));

    await refund(orderId, { reason: 'chargeback' });
    await waitFor('refunded', (v) => v.status === 'refunded' && v.fulfillmentStatus === 'fulfilled', orderId);
    await waitUntil(() => revokedOf(orderId).length === 3, 30000, 'the return_if_unsent line revoked, its e-mail went out');
    expect(await licensesOf(returning.poolId, 'revoked')).toEqual(idsOf('2'));
    // keep: the refund is recorded, the license stays sold.
    expect(await licensesOf(keeping.poolId, 'allocated')).toEqual(idsOf('3'));
    expect(await licensesOf(keeping.poolId, 'revoked')).toEqual([]);

    // The same refund again, and a later refund of the whole order, then a marker on the same key.
    await refund(orderId, { lineIds: ['1'] });
    await refund(orderId);
    const marker = await pay([{ productId: keeping.productId, quantity: 1 }]);
    await waitFor('fulfilled', (v) => v.status === 'fulfilled', marker);
    await waitUntil(async () => (await licensesOf(keeping.poolId, 'allocated')).length === 2, 30000, 'the marker served');
    expect(revokedOf(orderId)).toHaveLength(3);
    expect((await order(orderId)).lines.every((l) => l.refundedAt !== null)).toBe(true);
  });

  it('return_if_unsent puts the licenses of a line whose e-mail failed for good back in stock, with no LicenseRevoked; the order list shows the refund', async () => {
    const { productId, poolId } = await product(1, 'return_if_unsent');
    await system.sink.failNext(400, 1);
    const orderId = await pay([{ productId, quantity: 1 }]);
    await waitFor('email_failed', (v) => v.lines[0].status === 'email_failed', orderId);
    expect((await poolOf(poolId)).available).toBe(0);

    await refund(orderId, { reason: 'fraud' });
    await waitFor('refunded', (v) => v.status === 'refunded', orderId);
    await waitUntil(async () => (await poolOf(poolId)).available === 1, 30000, 'the license back in stock');
    expect(await licensesOf(poolId, 'allocated')).toEqual([]);
    expect(revokedOf(orderId)).toEqual([]);
    const list = await api<{ orders: { orderId: string; status: string }[] }>(system.fulfillment, 'GET', `/orders?merchantId=${merchantId}`);
    expect(list.orders.find((o) => o.orderId === orderId)?.status).toBe('refunded');
  });

  it('keeps a refund that comes before its order and applies it when the order arrives: nothing is served', async () => {
    const { productId, poolId } = await product(2);
    const orderId = uniqueName('ord');
    await refund(orderId);
    // The API knows no order yet, so the test looks where the refund is kept, then pays.
    const db = new Client({ connectionString: system.env['order-fulfillment-service'].DATABASE_URL });
    await db.connect();
    try {
      await waitUntil(async () => (await db.query('SELECT 1 FROM order_refunds WHERE order_id = $1', [orderId])).rowCount === 1, 45000, 'the refund kept');
    } finally {
      await db.end();
    }
    await pay([{ productId, quantity: 1 }], orderId);
    await waitFor('refunded', (v) => v.status === 'refunded' && v.lines[0].status === 'cancelled', orderId);
    const later = await pay([{ productId, quantity: 2 }]);
    await waitFor('fulfilled', (v) => v.status === 'fulfilled', later);
    expect((await poolOf(poolId)).available).toBe(0);
    expect((await order(orderId)).lines[0].licenses).toEqual([]);
  });

  it("dead-letters a refund naming another merchant's order, or a line the order does not have", async () => {
    const { productId } = await product(1);
    const orderId = await pay([{ productId, quantity: 1 }]);
    await waitFor('fulfilled', (v) => v.status === 'fulfilled', orderId);
    const before = refundDlq.messages.length;
    await refund(orderId, { merchantId: 'm_other' });
    await refund(orderId, { lineIds: ['9'] });
    await refundDlq.waitForCount(before + 2, 45000);
    const reasons = refundDlq.messages.slice(before).map((m) => headerText(m, 'dlq-reason') ?? '');
    expect(reasons.join('\n')).toMatch(/another merchant/);
    expect(reasons.join('\n')).toMatch(/line\(s\) 9/);
    expect((await order(orderId)).status).toBe('fulfilled');
  });
});
