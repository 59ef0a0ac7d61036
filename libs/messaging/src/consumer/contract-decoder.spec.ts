import { dataschemaOf, exampleEventData } from '@keypool/contracts';
import { envelope } from '../envelope';
import { contractDecoder } from './contract-decoder';

describe('contractDecoder', () => {
  const decode = contractDecoder({ 'order-paid': 'OrderPaid' as const });
  const paid = (data: unknown, id?: string) =>
    Buffer.from(JSON.stringify(envelope({ type: 'OrderPaid', source: 'test', data, dataschema: dataschemaOf('OrderPaid'), ...(id ? { id } : {}) })));

  it('passes a valid event of the topic its type', () => {
    const decoded = decode('order-paid', paid(exampleEventData.OrderPaid));
    expect(decoded.ok).toBe(true);
  });

  it('refuses a NUL character anywhere in the event, naming where (PostgreSQL text cannot store it)', () => {
    const customer = { ...exampleEventData.OrderPaid.customer, firstName: 'A\u0000nn' };
    const inData = decode('order-paid', paid({ ...exampleEventData.OrderPaid, customer }));
    expect(inData).toEqual({ ok: false, reason: expect.stringContaining('data.customer.firstName holds a NUL character') });
    const inId = decode('order-paid', paid(exampleEventData.OrderPaid, 'id-\u0000'));
    expect(inId).toEqual({ ok: false, reason: expect.stringMatching(/^id holds a NUL character/) });
  });

  it('names a NUL inside an array, found from the raw escape', () => {
    const items = exampleEventData.OrderPaid.items.map((item, i) => (i === 0 ? { ...item, sku: 'SKU\u0000' } : item));
    const raw = paid({ ...exampleEventData.OrderPaid, items });
    expect(raw.toString()).toContain('\\u0000');
    expect(decode('order-paid', raw)).toEqual({ ok: false, reason: expect.stringMatching(/^data\.items\[0\]\.sku holds a NUL character/) });
  });

  it('passes text that only looks like the escape (an escaped backslash before "u0000")', () => {
    const customer = { ...exampleEventData.OrderPaid.customer, firstName: 'A\\u0000nn' };
    const raw = paid({ ...exampleEventData.OrderPaid, customer });
    expect(raw.toString()).toContain('\\\\u0000');
    const decoded = decode('order-paid', raw);
    expect(decoded.ok && decoded.envelope.data.customer.firstName).toBe('A\\u0000nn');
  });

  it('refuses another type than the topic carries', () => {
    expect(decode('other-topic', paid(exampleEventData.OrderPaid))).toEqual({ ok: false, reason: expect.stringContaining('no event type is expected') });
  });
});
