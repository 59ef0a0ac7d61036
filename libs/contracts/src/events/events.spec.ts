import { exampleEventData } from '../examples';
import { eventTypes, type EventType } from '../registry';
import { validateEventData } from '../validate';

// Loose copies so each test can break an example its own way.
const example = (type: EventType) => JSON.parse(JSON.stringify(exampleEventData[type]));
const errorsOf = (type: EventType, data: unknown) => {
  const result = validateEventData(type, data);
  return result.ok ? [] : result.errors;
};

describe('event data schemas', () => {
  it.each(eventTypes)('accepts the %s example, unknown fields included', (type) => {
    expect(errorsOf(type, { ...example(type), addedInV2: true })).toEqual([]);
  });

  it('accepts the PoolLow shape of CONTRACT.md with null scope', () => {
    const data = { poolId: 'pool_1', merchantId: 'm_acme', productId: null, currency: null, available: 3, threshold: 10, level: 'low', backordered: 0 };
    expect(errorsOf('PoolLow', data)).toEqual([]);
  });

  it('accepts a PoolLow with its pool name and mode, absent or null as before, and refuses another mode', () => {
    expect(errorsOf('PoolLow', { ...example('PoolLow'), poolName: 'Editor (EUR)', mode: 'test' })).toEqual([]);
    expect(errorsOf('PoolLow', { ...example('PoolLow'), poolName: null, mode: null })).toEqual([]);
    expect(errorsOf('PoolLow', { ...example('PoolLow'), poolName: 'x'.repeat(201), mode: 'staging' })).toEqual([
      'data.poolName: must be at most 200 characters, got 201',
      'data.mode: must be one of "live", "test", got "staging"',
    ]);
  });

  it('refuses a LicenseAllocated without licenses', () => {
    expect(errorsOf('LicenseAllocated', { ...example('LicenseAllocated'), licenses: [] })).toEqual(['data.licenses: must contain at least 1 item']);
  });

  it('refuses a license value spanning two lines, without echoing it', () => {
    const data = example('LicenseAllocated');
    data.licenses[1].value = 'AAAA\nBBBB';
    expect(errorsOf('LicenseAllocated', data)).toEqual(['data.licenses[1].value: must be a single line of text without line breaks (pattern ^[^\\r\\n]+$)']);
  });

  it('requires the customer e-mail inside LicenseAllocated', () => {
    const data = example('LicenseAllocated');
    delete data.customer.email;
    expect(errorsOf('LicenseAllocated', data)).toEqual(['data.customer.email: is required']);
  });

  it('refuses an AllocationRequested for zero licenses', () => {
    expect(errorsOf('AllocationRequested', { ...example('AllocationRequested'), licenseCount: 0 })).toEqual([
      'data.licenseCount: must be an integer >= 1, got 0',
    ]);
  });

  it('refuses a PoolLow with an unknown level or a negative count', () => {
    expect(errorsOf('PoolLow', { ...example('PoolLow'), level: 'critical', available: -1 })).toEqual([
      'data.available: must be an integer >= 0, got -1',
      'data.level: must be one of "low", "empty", got "critical"',
    ]);
  });

  it('refuses an EmailSent to something that is not an e-mail address', () => {
    expect(errorsOf('EmailSent', { ...example('EmailSent'), to: 'ann' })).toEqual(['data.to: must be an e-mail address, e.g. ann@example.com']);
  });

  it('accepts an EmailFailed for a malformed address and without a status code', () => {
    const data = { ...example('EmailFailed'), to: 'ann@localhost', statusCode: null, permanent: true };
    expect(errorsOf('EmailFailed', data)).toEqual([]);
  });

  it('refuses an OrderFulfilled without lines', () => {
    expect(errorsOf('OrderFulfilled', { ...example('OrderFulfilled'), lines: [] })).toEqual(['data.lines: must contain at least 1 item']);
  });
});
