import { backoffDelay, describeError, sleep } from './backoff';

describe('backoffDelay', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles the ceiling per attempt and jitters within its upper half', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 0)).toBe(200);
    expect(backoffDelay(policy, 3, () => 1)).toBe(400);
  });

  it('never exceeds maxDelayMs', () => {
    expect(backoffDelay(policy, 30, () => 1)).toBe(1_000);
    expect(backoffDelay(policy, 30, () => 0)).toBe(500);
  });
});

describe('sleep', () => {
  it('resolves at once when its signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let resolved = false;
    const pending = sleep(60_000, controller.signal).then(() => (resolved = true));
    await Promise.resolve();
    await pending;
    expect(resolved).toBe(true);
  });

  it('resolves early when its signal aborts while waiting', async () => {
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort();
    await expect(pending).resolves.toBeUndefined();
  });
});

describe('describeError', () => {
  it('names an Error by its name and message, anything else by String()', () => {
    expect(describeError(new TypeError('bad'))).toBe('TypeError: bad');
    expect(describeError(42)).toBe('42');
  });
});
