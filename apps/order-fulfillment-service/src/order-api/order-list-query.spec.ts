import { encodeCursor, parseOrderListQuery } from './order-list-query';

const acme = { kind: 'merchant', merchantId: 'm_acme' } as const;
const support = { kind: 'support' } as const;

describe('order list query', () => {
  it("lists a merchant's own orders, 50 by default", () => {
    expect(parseOrderListQuery(acme, {})).toEqual({ ok: true, value: { merchantId: 'm_acme', limit: 50 } });
  });

  it('requires support to name the merchant', () => {
    expect(parseOrderListQuery(support, {})).toMatchObject({ ok: false, problem: { status: 400, message: expect.stringContaining('merchantId') } });
    expect(parseOrderListQuery(support, { merchantId: 'm_globex', status: 'awaiting_stock', limit: '5' })).toEqual({
      ok: true,
      value: { merchantId: 'm_globex', status: 'awaiting_stock', limit: 5 },
    });
  });

  it("answers 404 when a merchant asks for another merchant's orders", () => {
    expect(parseOrderListQuery(acme, { merchantId: 'm_globex' })).toMatchObject({ ok: false, problem: { status: 404 } });
  });

  it('names a bad status or limit', () => {
    expect(parseOrderListQuery(acme, { status: 'lost' })).toMatchObject({ ok: false, problem: { status: 400, message: expect.stringMatching(/^status:/) } });
    expect(parseOrderListQuery(acme, { limit: '0' })).toMatchObject({ ok: false, problem: { status: 400, message: expect.stringMatching(/^limit:/) } });
  });

  it('takes a customer e-mail and a cursor it issued, and names a bad one', () => {
    const cursor = encodeCursor({ receivedAtMicros: '1795968000123456', orderId: 'ord_9' });
    expect(parseOrderListQuery(acme, { customerEmail: 'Ann@Example.com', cursor })).toEqual({
      ok: true,
      value: { merchantId: 'm_acme', customerEmail: 'Ann@Example.com', limit: 50, after: { receivedAtMicros: '1795968000123456', orderId: 'ord_9' } },
    });
    for (const bad of ['x', Buffer.from('["12", 3]').toString('base64url'), Buffer.from('["1.5", "o"]').toString('base64url'), '']) {
      expect(parseOrderListQuery(acme, { cursor: bad })).toMatchObject({ ok: false, problem: { status: 400, message: expect.stringMatching(/^cursor:/) } });
    }
    expect(parseOrderListQuery(acme, { customerEmail: 'not an address' })).toMatchObject({
      ok: false,
      problem: { status: 400, message: expect.stringMatching(/^customerEmail:/) },
    });
  });
});
