import { validateEventData } from '../validate';

// Copied verbatim from /work/shared/CONTRACT.md, "OrderPaid.data".
const contractExample = `{
  "orderId": "ord_1001", "merchantId": "m_acme", "currency": "EUR",
  "paidAt": "2026-11-29T12:00:00Z", "test": false, "parentOrderId": null,
  "customer": {
    "email": "ann@example.com", "firstName": "Ann", "lastName": "Lee", "locale": "en",
    "phone": null, "company": null,
    "address": {"country": "DE", "city": "Berlin", "zip": "10115", "line": "Main St 1"}
  },
  "licenseFor": null,
  "items": [
    {"lineId": "1", "productId": "p_editor", "productName": "Photo Editor Pro 2026",
     "productShortName": "Photo Editor Pro", "quantity": 2,
     "unitPrice": "19.99", "lineTotal": "39.98",
     "instructionsUrl": null, "downloadUrl": null, "additionalInfo": null}
  ]
}`;

// Parsed afresh per test, loosely typed, so each test can break it its own way.
const example = () => JSON.parse(contractExample);
const errorsOf = (data: unknown) => {
  const result = validateEventData('OrderPaid', data);
  return result.ok ? [] : result.errors;
};

describe('OrderPaid data', () => {
  it('accepts the CONTRACT.md example', () => {
    expect(validateEventData('OrderPaid', example())).toEqual({ ok: true, value: example() });
  });

  it('accepts an order with only the required fields', () => {
    const minimal = {
      orderId: 'o',
      merchantId: 'm',
      currency: 'USD',
      paidAt: '2026-11-29T12:00:00.123+01:00',
      customer: { email: 'bob@example.org' },
      items: [{ lineId: 'l', productId: 'p', productName: 'P', quantity: 1 }],
    };
    expect(errorsOf(minimal)).toEqual([]);
  });

  it('tolerates fields it does not know, at every level', () => {
    const order = example();
    order.channel = 'web';
    order.customer.vatId = 'DE123';
    order.customer.address.state = 'BE';
    order.items[0].sku = 'PE-26';
    expect(errorsOf(order)).toEqual([]);
  });

  it.each([
    ['orderId', 'data.orderId'],
    ['merchantId', 'data.merchantId'],
    ['currency', 'data.currency'],
    ['paidAt', 'data.paidAt'],
    ['customer', 'data.customer'],
    ['items', 'data.items'],
  ])('names a missing %s', (field, path) => {
    const order = example();
    delete order[field];
    expect(errorsOf(order)).toEqual([`${path}: is required`]);
  });

  it('names a missing customer.email', () => {
    const order = example();
    delete order.customer.email;
    expect(errorsOf(order)).toEqual(['data.customer.email: is required']);
  });

  it.each(['lineId', 'productId', 'productName', 'quantity'])('names a missing items[0].%s', (field) => {
    const order = example();
    delete order.items[0][field];
    expect(errorsOf(order)).toEqual([`data.items[0].${field}: is required`]);
  });

  it.each([
    [0, 'must be an integer >= 1, got 0'],
    [-1, 'must be an integer >= 1, got -1'],
    [1.5, 'must be an integer from 1 to 10000, got 1.5'],
    ['2', 'must be an integer from 1 to 10000, got a string'],
    [null, 'must be an integer from 1 to 10000, got null'],
    [10_001, 'must be at most 10000, got 10001'],
  ])('refuses quantity %p, naming data.items[0].quantity', (quantity, problem) => {
    const order = example();
    order.items[0].quantity = quantity;
    expect(errorsOf(order)).toEqual([`data.items[0].quantity: ${problem}`]);
  });

  it('names the line whose quantity is wrong', () => {
    const order = example();
    order.items.push({ ...order.items[0], lineId: '2', quantity: 0 });
    expect(errorsOf(order)).toEqual(['data.items[1].quantity: must be an integer >= 1, got 0']);
  });

  it('refuses an order without items', () => {
    const order = example();
    order.items = [];
    expect(errorsOf(order)).toEqual(['data.items: must contain at least 1 item']);
  });

  it.each(['eur', 'EURO', 'E1R', ''])('refuses currency %p', (currency) => {
    const order = example();
    order.currency = currency;
    expect(errorsOf(order)).toEqual(['data.currency: must be an ISO 4217 currency code of 3 uppercase letters, e.g. "EUR" (pattern ^[A-Z]{3}$)']);
  });

  it.each(['ann', 'ann@', 'ann@example com', ''])('refuses customer e-mail %p', (email) => {
    const order = example();
    order.customer.email = email;
    expect(errorsOf(order)).toEqual(['data.customer.email: must be an e-mail address, e.g. ann@example.com']);
  });

  it.each(['2026-11-29', '2026-11-29T12:00:00', 'yesterday'])('refuses paidAt %p', (paidAt) => {
    const order = example();
    order.paidAt = paidAt;
    expect(errorsOf(order)).toEqual(['data.paidAt: must be an RFC 3339 date-time with a time zone, e.g. 2026-11-29T12:00:00Z']);
  });

  it('treats absent and null optional fields alike', () => {
    const order = example();
    delete order.test;
    order.customer.address = null;
    order.items[0].unitPrice = null;
    delete order.items[0].productShortName;
    expect(errorsOf(order)).toEqual([]);
  });

  it('says which kinds an optional field accepts', () => {
    const order = example();
    order.test = 'no';
    order.customer.address = 'Main St 1';
    expect(errorsOf(order)).toEqual(['data.test: must be a boolean or null, got a string', 'data.customer.address: must be an object or null, got a string']);
  });

  it('reports the real problem inside an optional object', () => {
    const order = example();
    order.customer.address.zip = 10115;
    expect(errorsOf(order)).toEqual(['data.customer.address.zip: must be a string or null, got 10115']);
  });

  it('refuses prices that are not decimal strings', () => {
    const order = example();
    order.items[0].unitPrice = '19,99';
    order.items[0].lineTotal = 39.98;
    expect(errorsOf(order)).toEqual([
      'data.items[0].unitPrice: must be a decimal number written as a string, e.g. "19.99" (pattern ^-?[0-9]+(\\.[0-9]+)?$)',
      'data.items[0].lineTotal: must be a string or null, got 39.98',
    ]);
  });

  it('caps ids at 128 characters', () => {
    const order = example();
    order.orderId = 'x'.repeat(129);
    expect(errorsOf(order)).toEqual(['data.orderId: must be at most 128 characters, got 129']);
  });

  it('lists every problem at once', () => {
    expect(errorsOf({ items: [{}] })).toEqual([
      'data.orderId: is required',
      'data.merchantId: is required',
      'data.currency: is required',
      'data.paidAt: is required',
      'data.customer: is required',
      'data.items[0].lineId: is required',
      'data.items[0].productId: is required',
      'data.items[0].productName: is required',
      'data.items[0].quantity: is required',
    ]);
  });

  it('refuses data that is not an object', () => {
    expect(errorsOf([])).toEqual(['data: must be an object, got an array']);
  });
});
