import { exampleEventData } from '../examples';
import { parseCloudEvent } from '../parse-cloud-event';
import type { EventType } from '../registry';
import { validateEventData } from '../validate';

// CONTRACT.md, "Limits": each is tested at the limit (accepted) and one beyond (refused, and
// the message names the field and the limit, since it becomes the DLQ reason).

type Data = Record<string, unknown>;
const example = (type: EventType): Data => JSON.parse(JSON.stringify(exampleEventData[type]));
const errorsOf = (type: EventType, data: unknown) => {
  const result = validateEventData(type, data);
  return result.ok ? [] : result.errors;
};

function set(data: Data, path: string, value: unknown): Data {
  const keys = path.split('.');
  let node: Record<string, unknown> = data;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
  return data;
}

/** `items.0.lineId` → `data.items[0].lineId`, as the messages write it. */
const shown = (path: string) => `data.${path}`.replace(/\.(\d+)/g, '[$1]');

const text = (n: number) => 'x'.repeat(n);
const email = (n: number) => `${'a'.repeat(n - '@example.com'.length)}@example.com`;
const url = (n: number) => `https://example.com/${'a'.repeat(n - 'https://example.com/'.length)}`;
const price = (n: number) => `${'1'.repeat(n - 3)}.99`;

// [path in OrderPaid, limit, a valid value of that many characters]
const textLimits: [string, number, (n: number) => string][] = [
  ['orderId', 128, text],
  ['merchantId', 128, text],
  ['parentOrderId', 128, text],
  ['items.0.lineId', 128, text],
  ['items.0.productId', 128, text],
  ['customer.email', 254, email],
  ['customer.firstName', 200, text],
  ['customer.lastName', 200, text],
  ['customer.company', 200, text],
  ['customer.phone', 200, text],
  ['customer.address.city', 200, text],
  ['customer.address.zip', 200, text],
  ['customer.address.country', 200, text],
  ['customer.address.line', 500, text],
  ['licenseFor', 200, text],
  ['items.0.productName', 200, text],
  ['items.0.productShortName', 200, text],
  ['items.0.instructionsUrl', 2048, url],
  ['items.0.downloadUrl', 2048, url],
  ['items.0.additionalInfo', 10_000, text],
  ['items.0.unitPrice', 32, price],
  ['items.0.lineTotal', 32, price],
];

// AllocationRequested and LicenseAllocated carry one line of the order as `item`, with its
// ids at the top; parentOrderId does not travel with them.
const inLineContext = (path: string) =>
  path === 'parentOrderId' ? null : path === 'items.0.lineId' ? 'lineId' : path === 'items.0.productId' ? 'productId' : path.replace(/^items\.0\./, 'item.');

const cases = (['OrderPaid', 'AllocationRequested', 'LicenseAllocated'] as const).flatMap((type) =>
  textLimits.flatMap(([path, limit, make]) => {
    const at = type === 'OrderPaid' ? path : inLineContext(path);
    return at ? [{ type, path: at, limit, make }] : [];
  }),
);

describe('contract limits', () => {
  it.each(cases)('$type.$path: $limit characters are accepted, one more is refused by name', ({ type, path, limit, make }) => {
    expect(errorsOf(type, set(example(type), path, make(limit)))).toEqual([]);
    expect(errorsOf(type, set(example(type), path, make(limit + 1)))).toEqual([`${shown(path)}: must be at most ${limit} characters, got ${limit + 1}`]);
  });

  it.each([
    ['OrderPaid', 'items.0.quantity'],
    ['AllocationRequested', 'item.quantity'],
    ['LicenseAllocated', 'item.quantity'],
    ['AllocationRequested', 'licenseCount'],
  ] as const)('%s.%s: 10000 is accepted, 10001 is refused by name', (type, path) => {
    expect(errorsOf(type, set(example(type), path, 10_000))).toEqual([]);
    expect(errorsOf(type, set(example(type), path, 10_001))).toEqual([`${shown(path)}: must be at most 10000, got 10001`]);
  });

  it('OrderPaid.items: 100 lines are accepted, 101 are refused by name', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ ...exampleEventData.OrderPaid.items[0], lineId: String(i + 1) }));
    expect(errorsOf('OrderPaid', { ...example('OrderPaid'), items: lines(100) })).toEqual([]);
    expect(errorsOf('OrderPaid', { ...example('OrderPaid'), items: lines(101) })).toEqual(['data.items: must contain at most 100 items, got 101']);
  });

  it.each(['OrderPaid', 'LicenseAllocated'] as const)('%s: product URLs must be https', (type) => {
    const path = type === 'OrderPaid' ? 'items.0.downloadUrl' : 'item.downloadUrl';
    expect(errorsOf(type, set(example(type), path, 'http://example.com/download'))).toEqual([`${shown(path)}: must be an https:// URL (pattern ^https://)`]);
    expect(errorsOf(type, set(example(type), path, 'ftp://example.com/download'))).toHaveLength(1);
  });

  it('OrderPaid: a price is a decimal string, whatever its length within 32 characters', () => {
    expect(errorsOf('OrderPaid', set(example('OrderPaid'), 'items.0.unitPrice', `${'9'.repeat(31)}`))).toEqual([]);
    expect(errorsOf('OrderPaid', set(example('OrderPaid'), 'items.0.unitPrice', '1e3'))).toEqual([
      'data.items[0].unitPrice: must be a decimal number written as a string, e.g. "19.99" (pattern ^-?[0-9]+(\\.[0-9]+)?$)',
    ]);
  });

  it('LicenseAllocated: a license is at most 2048 characters, a line at most 10000 licenses', () => {
    const data = example('LicenseAllocated');
    (data.licenses as { value: string }[])[0].value = text(2048);
    expect(errorsOf('LicenseAllocated', data)).toEqual([]);
    (data.licenses as { value: string }[])[0].value = text(2049);
    expect(errorsOf('LicenseAllocated', data)).toEqual(['data.licenses[0].value: must be at most 2048 characters, got 2049']);

    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ licenseId: `lic_${i}`, value: `K-${i}` }));
    expect(errorsOf('LicenseAllocated', { ...example('LicenseAllocated'), licenses: many(10_000) })).toEqual([]);
    expect(errorsOf('LicenseAllocated', { ...example('LicenseAllocated'), licenses: many(10_001) })).toEqual([
      'data.licenses: must contain at most 10000 items, got 10001',
    ]);
  });

  it.each([
    ['AllocationDeferred', 'reason', 2000],
    ['EmailFailed', 'reason', 2000],
    ['EmailFailed', 'to', 254],
    ['EmailSent', 'providerMessageId', 500],
    ['EmailSent', 'orderId', 128],
    ['OrderFulfilled', 'lines.0.lineId', 128],
    ['OrderRefunded', 'orderId', 128],
    ['LicenseRevoked', 'reason', 200],
    ['OrderLineHeld', 'lineId', 128],
    ['AllocationRefunded', 'lines.0.lineId', 128],
    ['LicensesRevealed', 'lineId', 128],
    ['LicensesRevealed', 'licenseIds.0', 200],
    ['LicensesRevealed', 'auditId', 200],
    ['LicensesRevealed', 'keyId', 200],
  ] as const)('%s.%s is bounded at %d characters', (type, path, limit) => {
    expect(errorsOf(type, set(example(type), path, text(limit)))).toEqual([]);
    expect(errorsOf(type, set(example(type), path, text(limit + 1)))).toEqual([`${shown(path)}: must be at most ${limit} characters, got ${limit + 1}`]);
  });

  it('OrderRefunded: at most 100 distinct line ids, a known reason; null or absent means the whole order', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));
    expect(errorsOf('OrderRefunded', { ...example('OrderRefunded'), lineIds: ids(100) })).toEqual([]);
    expect(errorsOf('OrderRefunded', { ...example('OrderRefunded'), lineIds: ids(101) })).toEqual(['data.lineIds: must contain at most 100 items, got 101']);
    expect(errorsOf('OrderRefunded', { ...example('OrderRefunded'), lineIds: ['1', '1'] })).toHaveLength(1);
    expect(errorsOf('OrderRefunded', { ...example('OrderRefunded'), lineIds: [] })).toHaveLength(1);
    expect(errorsOf('OrderRefunded', { ...example('OrderRefunded'), reason: 'bored' })).toHaveLength(1);
    const { lineIds: _omitted, ...whole } = example('OrderRefunded') as Record<string, unknown>;
    expect(errorsOf('OrderRefunded', whole)).toEqual([]);
  });

  it('OrderLineHeld: a status from the list only', () => {
    for (const status of ['awaiting_stock', 'unroutable', 'served', 'cancelled']) {
      expect(errorsOf('OrderLineHeld', { ...example('OrderLineHeld'), status })).toEqual([]);
    }
    expect(errorsOf('OrderLineHeld', { ...example('OrderLineHeld'), status: 'shipped' })).toHaveLength(1);
  });

  it('an OrderPaid over a limit is refused with the field and the limit, as its DLQ reason shows', () => {
    const data = set(example('OrderPaid'), 'items.0.quantity', 1_000_000_000);
    const envelope = { specversion: '1.0', id: 'evt_big', source: 'checkout', type: 'OrderPaid', data };
    expect(parseCloudEvent(JSON.stringify(envelope), 'OrderPaid')).toMatchObject({
      ok: false,
      problem: 'invalid-data',
      errors: ['data.items[0].quantity: must be at most 10000, got 1000000000'],
    });
  });
});
