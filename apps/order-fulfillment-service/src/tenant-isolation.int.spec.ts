import { DocumentedOperation, IsolationTable, documentedOperations, isolationProblems, uncoveredOperations } from '@keypool/testing';
import { FulfillmentTestKit, paidOrder } from '../test/fulfillment-test-kit';

describe('order-fulfillment-service keeps every merchant to its own data, on every documented operation', () => {
  let kit: FulfillmentTestKit;
  let documented: Map<string, DocumentedOperation>;
  const order = paidOrder([{ productId: 'p_iso', quantity: 1 }], { merchantId: 'm_acme' });
  const orderId = order.orderId;

  const orderOf = async () => (await kit.api('acme').get(`/v1/orders/${orderId}`)).body;
  const resendState = async () => [await kit.outboxCount('LicenseAllocated', orderId), await orderOf()];
  const auditOf = async () => (await kit.api('acme').get('/v1/audit/reveals')).body;
  let auditId = '';
  const deliveryOf = async () => (await kit.api('acme').get('/v1/merchants/m_acme/products/p_iso/delivery')).body;

  const table: IsolationTable = {
    'GET /v1/orders': () => ({
      request: (who) => (who === 'support' ? { query: { merchantId: 'm_acme' } } : {}),
      shows: { acmeIds: [orderId], idsIn: (page) => (page as { orders: { orderId: string }[] }).orders.map((o) => o.orderId) },
    }),
    'GET /v1/orders/{orderId}': () => ({ params: { orderId } }),
    'GET /v1/orders/{orderId}/order-page': () => ({ params: { orderId }, checkoutReads: true }),
    'POST /v1/orders/{orderId}/resend': () => ({ params: { orderId }, state: resendState }),
    'POST /v1/orders/{orderId}/lines/{lineId}/resend': () => ({ params: { orderId, lineId: '1' }, state: resendState }),
    'GET /v1/merchants/{merchantId}/products/{productId}/delivery': () => ({ params: { merchantId: 'm_acme', productId: 'p_iso' } }),
    'PUT /v1/merchants/{merchantId}/products/{productId}/delivery': () => ({
      params: { merchantId: 'm_acme', productId: 'p_iso' },
      request: (who) => ({ json: who === 'globex' ? { rule: 'per_product', showOnOrderPage: true } : { rule: 'per_unit', showOnOrderPage: false } }),
      state: deliveryOf,
    }),
    'GET /v1/stuck-lines': () => ({
      request: () => ({ query: { olderThanSeconds: '0' } }),
      shows: { acmeIds: [orderId], idsIn: (page) => (page as { lines: { orderId: string }[] }).lines.map((line) => line.orderId) },
    }),
    'POST /v1/orders/{orderId}/lines/{lineId}/licenses/reveal': () => ({
      params: { orderId, lineId: '1' },
      request: () => ({ json: { reason: 'ticket 4711: the customer lost the e-mail' } }),
      state: auditOf,
    }),
    'GET /v1/audit/reveals': () => ({
      shows: { acmeIds: [auditId], idsIn: (page) => (page as { items: { id: unknown }[] }).items.map((entry) => String(entry.id)) },
    }),
  };

  beforeAll(async () => {
    kit = await FulfillmentTestKit.start('fulfil_isolation', ['allocationRequested']);
    documented = await documentedOperations(kit.url);
    await kit.send('orderPaid', 'OrderPaid', order);
    const [requested] = await kit.waitForPublished<'AllocationRequested'>('allocationRequested', orderId, 1);
    await kit.allocate(requested.data);
    await kit.orderOnceItShows(orderId, (shown) => shown.lines.every((line) => line.status === 'allocated'));
    const revealed = await kit.api('acme').post(`/v1/orders/${orderId}/lines/1/licenses/reveal`).send({ reason: 'ticket 4710: the first look' }).expect(200);
    auditId = String(revealed.body.auditId);
  });
  afterAll(() => kit?.stop());

  it('has a table entry for exactly the operations its OpenAPI document lists', () => {
    expect(uncoveredOperations(documented, table)).toEqual([]);
  });

  it.each(Object.keys(table))(
    '%s: 401 without a valid key, 404 on a wrong-case path, nothing of acme for globex, 403 for the checkout key but on the order page',
    async (key) => {
      const operation = documented.get(key);
      if (!operation) throw new Error(`${key} is not in /docs-json`);
      expect(await isolationProblems(kit.url, operation, table[key]())).toEqual([]);
    },
  );
});
