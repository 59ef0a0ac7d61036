import { settle } from './refund-allocations.handler';

describe('settle: what a refund does to a served line under its pool policy', () => {
  it('revoke revokes, whether or not the e-mail went out', () => {
    expect(settle('revoke', true)).toBe('revoked');
    expect(settle('revoke', false)).toBe('revoked');
  });

  it('return_if_unsent returns the licenses only when no e-mail can have reached the customer', () => {
    expect(settle('return_if_unsent', false)).toBe('returned');
    expect(settle('return_if_unsent', true)).toBe('revoked');
  });

  it('keep records the refund only', () => {
    expect(settle('keep', true)).toBe('kept');
    expect(settle('keep', false)).toBe('kept');
  });
});
