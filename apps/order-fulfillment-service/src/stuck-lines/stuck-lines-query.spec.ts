import { validateEnv } from '@keypool/platform';
import { testServiceEnv } from '@keypool/testing';
import { fulfillmentEnvSchema } from '../config';
import { encodeStuckCursor, parseStuckLinesQuery } from './stuck-lines-query';

const support = { kind: 'support' } as const;
const acme = { kind: 'merchant', merchantId: 'm_acme' } as const;
const FIFTEEN_MINUTES = 15 * 60 * 1000;

describe('stuck-lines query', () => {
  it('counts a line stuck after 15 minutes unless STUCK_LINE_AGE_MS says otherwise', () => {
    const env = testServiceEnv('postgres://postgres@127.0.0.1:5432/unused');
    expect(validateEnv(fulfillmentEnvSchema, { ...env }).STUCK_LINE_AGE_MS).toBe(FIFTEEN_MINUTES);
    expect(validateEnv(fulfillmentEnvSchema, { ...env, STUCK_LINE_AGE_MS: '60000' }).STUCK_LINE_AGE_MS).toBe(60000);
    expect(() => validateEnv(fulfillmentEnvSchema, { ...env, STUCK_LINE_AGE_MS: '10' })).toThrow(/STUCK_LINE_AGE_MS/);
  });

  it("defaults to the service's age, lets support see every merchant, and keeps a merchant to its own", () => {
    expect(parseStuckLinesQuery(support, {}, FIFTEEN_MINUTES)).toEqual({ ok: true, value: { olderThanSeconds: 900, limit: 100 } });
    expect(parseStuckLinesQuery(acme, {}, FIFTEEN_MINUTES)).toEqual({ ok: true, value: { olderThanSeconds: 900, merchantId: 'm_acme', limit: 100 } });
    expect(parseStuckLinesQuery(acme, { merchantId: 'm_globex' }, FIFTEEN_MINUTES)).toEqual({
      ok: false,
      problem: { status: 404, message: 'merchant m_globex not found' },
    });
    const after = { sinceMicros: '1764400000000000', orderId: 'ord_1', lineId: '2' };
    expect(
      parseStuckLinesQuery(
        support,
        { merchantId: 'm_globex', olderThanSeconds: '0', status: 'allocated', limit: '5', cursor: encodeStuckCursor(after) },
        FIFTEEN_MINUTES,
      ),
    ).toEqual({
      ok: true,
      value: { olderThanSeconds: 0, merchantId: 'm_globex', status: 'allocated', limit: 5, after },
    });
  });

  it.each([
    [{ olderThanSeconds: '-1' }, 'olderThanSeconds:'],
    [{ olderThanSeconds: '2592001' }, 'olderThanSeconds:'],
    [{ status: 'delivered' }, 'status: must be one of received, allocated'],
    [{ limit: '501' }, 'limit:'],
    [{ cursor: 'nope' }, 'cursor:'],
  ])('refuses %j with a 400 naming the parameter', (query, message) => {
    const parsed = parseStuckLinesQuery(support, query, FIFTEEN_MINUTES);
    expect(parsed).toMatchObject({ ok: false, problem: { status: 400 } });
    expect(!parsed.ok && parsed.problem.message).toContain(message);
  });
});
