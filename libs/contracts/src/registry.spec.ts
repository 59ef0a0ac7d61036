import { dataschemaOf, eventTypes, isEventType } from './registry';

describe('event registry', () => {
  it('knows the public and internal event types by their CloudEvents type', () => {
    expect(eventTypes).toEqual([
      'OrderPaid',
      'LicenseAllocated',
      'EmailSent',
      'OrderFulfilled',
      'PoolLow',
      'AllocationRequested',
      'AllocationDeferred',
      'EmailFailed',
      'OrderRefunded',
      'LicenseRevoked',
      'OrderLineHeld',
      'AllocationRefunded',
      'LicensesRevealed',
    ]);
  });

  it('does not mistake inherited object keys for event types', () => {
    expect(isEventType('OrderPaid')).toBe(true);
    expect(isEventType('toString')).toBe(false);
    expect(isEventType('orderpaid')).toBe(false);
  });

  it.each(eventTypes)('gives %s a versioned dataschema URI', (type) => {
    expect(dataschemaOf(type)).toBe(`https://keypool.dev/schemas/${type}/v1.json`);
  });
});
