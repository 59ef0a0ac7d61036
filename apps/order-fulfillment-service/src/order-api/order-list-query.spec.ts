import { BadRequestException } from '@nestjs/common';
import { type Caller, fail, requestValidator } from '@keypool/platform';
import { OrderListParams, encodeCursor, orderListQueryOf } from './order-list-query';

const acme = { kind: 'merchant', merchantId: 'm_acme' } as const;
const support = { kind: 'support' } as const;

/** What GET /v1/orders makes of a query string: the schema's 400 as an invalid result, else the use case's reading. */
function parse(caller: Caller, query: Record<string, string>) {
  try {
    return orderListQueryOf(caller, requestValidator(OrderListParams, 'query')(query));
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return fail('invalid', (error.getResponse() as { message: string }).message);
  }
}

describe('order list query', () => {
  it("lists a merchant's own orders, 50 by default", () => {
    expect(parse(acme, {})).toEqual({ ok: true, value: { merchantId: 'm_acme', limit: 50 } });
  });

  it('requires support to name the merchant', () => {
    expect(parse(support, {})).toMatchObject({ ok: false, error: 'invalid', message: expect.stringContaining('merchantId') });
    expect(parse(support, { merchantId: 'm_globex', status: 'awaiting_stock', limit: '5' })).toEqual({
      ok: true,
      value: { merchantId: 'm_globex', status: 'awaiting_stock', limit: 5 },
    });
  });

  it("answers 404 when a merchant asks for another merchant's orders", () => {
    expect(parse(acme, { merchantId: 'm_globex' })).toEqual({ ok: false, error: 'not_found', message: 'merchant m_globex not found' });
  });

  it('names a bad status or limit', () => {
    expect(parse(acme, { status: 'lost' })).toMatchObject({ ok: false, error: 'invalid', message: expect.stringMatching(/^query\.status:/) });
    expect(parse(acme, { limit: '0' })).toMatchObject({ ok: false, error: 'invalid', message: expect.stringMatching(/^query\.limit:/) });
    expect(parse(acme, { limit: '2.5' })).toMatchObject({ ok: false, error: 'invalid', message: expect.stringMatching(/^query\.limit:/) });
  });

  it('takes a customer e-mail and a cursor it issued, and names a bad one', () => {
    const cursor = encodeCursor({ receivedAtMicros: '1795968000123456', orderId: 'ord_9' });
    expect(parse(acme, { customerEmail: 'Ann@Example.com', cursor })).toEqual({
      ok: true,
      value: { merchantId: 'm_acme', customerEmail: 'Ann@Example.com', limit: 50, after: { receivedAtMicros: '1795968000123456', orderId: 'ord_9' } },
    });
    for (const bad of ['x', Buffer.from('["12", 3]').toString('base64url'), Buffer.from('["1.5", "o"]').toString('base64url'), '']) {
      expect(parse(acme, { cursor: bad })).toMatchObject({ ok: false, error: 'invalid', message: expect.stringMatching(/^query\.cursor:/) });
    }
    expect(parse(acme, { customerEmail: 'not an address' })).toMatchObject({
      ok: false,
      error: 'invalid',
      message: expect.stringMatching(/^query\.customerEmail:/),
    });
  });
});
