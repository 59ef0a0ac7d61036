import { BadRequestException } from '@nestjs/common';
import { type Caller, fail, requestValidator, validateEnv } from '@keypool/platform';
import { testServiceEnv } from '@keypool/testing';
import { fulfillmentEnvSchema } from '../config';
import { StuckLinesParams, encodeStuckCursor, stuckLinesQueryOf } from './stuck-lines-query';

const support = { kind: 'support' } as const;
const acme = { kind: 'merchant', merchantId: 'm_acme' } as const;
const FIFTEEN_MINUTES = 15 * 60 * 1000;

/** What GET /v1/stuck-lines makes of a query string: the schema's 400 as an invalid result, else the use case's reading. */
function parseStuckLinesQuery(caller: Caller, query: Record<string, string>, defaultAgeMs: number) {
  try {
    return stuckLinesQueryOf(caller, requestValidator(StuckLinesParams, 'query')(query), defaultAgeMs);
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return fail('invalid', (error.getResponse() as { message: string }).message);
  }
}

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
      error: 'not_found',
      message: 'merchant m_globex not found',
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
    [{ olderThanSeconds: '-1' }, 'query.olderThanSeconds:'],
    [{ olderThanSeconds: '2592001' }, 'query.olderThanSeconds:'],
    [{ olderThanSeconds: 'soon' }, 'query.olderThanSeconds:'],
    [{ status: 'delivered' }, 'query.status: must be one of "received", "allocated"'],
    [{ limit: '501' }, 'query.limit:'],
    [{ cursor: 'nope' }, 'query.cursor:'],
  ])('refuses %j with a 400 naming the parameter', (query, message) => {
    const parsed = parseStuckLinesQuery(support, query, FIFTEEN_MINUTES);
    expect(parsed).toMatchObject({ ok: false, error: 'invalid' });
    expect(!parsed.ok && parsed.message).toContain(message);
  });
});
