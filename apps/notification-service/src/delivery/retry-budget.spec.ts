import { RetryBudget, retryAfterMs } from './retry-budget';

describe('retry budget and Retry-After', () => {
  it('allows waits until the shared deadline and no further', () => {
    let now = 1_000;
    const budget = new RetryBudget(500, () => now);
    expect(budget.allows(500)).toBe(true);
    now = 1_300;
    expect(budget.allows(200)).toBe(true);
    expect(budget.allows(201)).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(retryAfterMs('5', now)).toBe(5000);
    expect(retryAfterMs('Sun, 29 Nov 2026 12:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Sun, 29 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
