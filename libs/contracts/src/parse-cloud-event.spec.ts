import { exampleEventData } from './examples';
import { parseCloudEvent } from './parse-cloud-event';

const orderPaid = (overrides: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: 'evt_1',
  source: 'checkout',
  type: 'OrderPaid',
  time: '2026-11-29T12:00:00Z',
  datacontenttype: 'application/json',
  data: exampleEventData.OrderPaid,
  ...overrides,
});
const message = (json: unknown) => Buffer.from(JSON.stringify(json));

describe('parseCloudEvent', () => {
  it('reads a Kafka message value into a typed event', () => {
    const result = parseCloudEvent(message(orderPaid()));
    expect(result).toEqual({ ok: true, value: orderPaid() });
    if (result.ok && result.value.type === 'OrderPaid') {
      expect(result.value.data.items[0].quantity).toBe(2);
    }
  });

  it('reads a string and ignores a UTF-8 byte order mark', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), message(orderPaid())]);
    expect(parseCloudEvent(JSON.stringify(orderPaid())).ok).toBe(true);
    expect(parseCloudEvent(bom).ok).toBe(true);
  });

  it('treats optional attributes sent as null as absent, so resendof: null is an original', () => {
    const result = parseCloudEvent(message(orderPaid({ resendof: null, subject: null, time: null })));
    expect(result.ok).toBe(true);
    const value = result.ok ? (result.value as unknown as Record<string, unknown>) : {};
    expect(['resendof', 'subject', 'time'].filter((key) => key in value)).toEqual([]);
    expect(value['data']).toMatchObject({ orderId: 'ord_1001' });
  });

  it('keeps extension attributes such as resendof', () => {
    const result = parseCloudEvent(message(orderPaid({ resendof: 'evt_0', partitionkey: 'ord_1001' })));
    expect(result.ok && result.value).toMatchObject({ resendof: 'evt_0', partitionkey: 'ord_1001' });
  });

  it('refuses a tombstone or an empty value', () => {
    for (const raw of [null, undefined, '', Buffer.alloc(0)]) {
      expect(parseCloudEvent(raw)).toEqual({
        ok: false,
        problem: 'not-json',
        errors: ['message value is empty: expected a CloudEvents 1.0 envelope in JSON (content-type application/cloudevents+json)'],
      });
    }
  });

  it('refuses a value that is not JSON without quoting it', () => {
    const result = parseCloudEvent('ann@example.com bought AAAA-BBBB');
    expect(result).toEqual({
      ok: false,
      problem: 'not-json',
      errors: ['message value is not valid JSON: expected a CloudEvents 1.0 envelope in JSON (content-type application/cloudevents+json)'],
    });
  });

  it('refuses a bare payload sent without the envelope', () => {
    const result = parseCloudEvent(message(exampleEventData.OrderPaid));
    expect(result).toMatchObject({ ok: false, problem: 'invalid-envelope' });
    expect(!result.ok && result.errors).toEqual([
      'specversion: is required',
      'id: is required',
      'source: is required',
      'type: is required',
      'data: is required',
    ]);
  });

  it('refuses a numeric specversion', () => {
    const result = parseCloudEvent(message(orderPaid({ specversion: 1 })));
    expect(!result.ok && result.errors).toEqual(['specversion: must be "1.0", got 1']);
  });

  it('refuses an unknown type and lists the known ones', () => {
    const result = parseCloudEvent(message(orderPaid({ type: 'OrderShipped' })));
    expect(result).toMatchObject({ ok: false, problem: 'unknown-type', envelope: { id: 'evt_1' } });
    expect(!result.ok && result.errors).toEqual([
      'type: unknown event type "OrderShipped"; known types are OrderPaid, LicenseAllocated, EmailSent, OrderFulfilled, PoolLow, AllocationRequested, AllocationDeferred, EmailFailed, OrderRefunded, LicenseRevoked, OrderLineHeld, AllocationRefunded, LicensesRevealed',
    ]);
  });

  it('refuses a known type that does not belong on the topic', () => {
    const result = parseCloudEvent(message(orderPaid()), 'LicenseAllocated');
    expect(result).toMatchObject({
      ok: false,
      problem: 'wrong-type',
      errors: ['type: expected "LicenseAllocated" on this topic, got "OrderPaid"'],
    });
  });

  it('refuses invalid data, naming the field under data', () => {
    const data = { ...exampleEventData.OrderPaid, items: [{ ...exampleEventData.OrderPaid.items[0], quantity: 0 }] };
    const result = parseCloudEvent(message(orderPaid({ data })), 'OrderPaid');
    expect(result).toEqual({
      ok: false,
      problem: 'invalid-data',
      errors: ['data.items[0].quantity: must be an integer >= 1, got 0'],
      envelope: orderPaid({ data }),
    });
  });

  it('narrows the event to the expected type', () => {
    const result = parseCloudEvent(message(orderPaid()), 'OrderPaid');
    expect(result.ok && result.value.data.customer.email).toBe('ann@example.com');
  });
});
