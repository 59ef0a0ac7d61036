import { FailureWindow } from './failure-window';
import { Sessions, cookieValue } from './sessions';

describe('console sessions', () => {
  it('ends a session at its time, keeps at most `max`, and ignores ids that are not ours', () => {
    let now = 1_000;
    const sessions = new Sessions(60_000, 2, () => now);
    const first = sessions.open('key-one-1234', { kind: 'support' });
    const second = sessions.open('key-two-1234', { kind: 'merchant', merchantId: 'm_acme' });
    expect(sessions.find(first)?.key).toBe('key-one-1234');
    const third = sessions.open('key-three-1234', { kind: 'support' });
    expect(sessions.size).toBe(2);
    expect(sessions.find(first)).toBeUndefined();
    expect(sessions.find(second)?.caller).toEqual({ kind: 'merchant', merchantId: 'm_acme' });
    now += 60_000;
    expect(sessions.find(third)).toBeUndefined();
    expect(sessions.find('../../etc')).toBeUndefined();
    expect(sessions.find(undefined)).toBeUndefined();
  });

  it('reads one cookie of a Cookie header', () => {
    expect(cookieValue('a=1; keypool_console=abc; b=2', 'keypool_console')).toBe('abc');
    expect(cookieValue('xkeypool_console=abc', 'keypool_console')).toBeUndefined();
    expect(cookieValue(undefined, 'keypool_console')).toBeUndefined();
  });
});

describe('sign-in failure window', () => {
  it('blocks a client after `limit` failures within the window, and forgets them after it', () => {
    let now = 0;
    const failures = new FailureWindow(3, 60_000, 2, () => now);
    for (let i = 0; i < 3; i++) failures.add('10.0.0.1');
    expect(failures.blocked('10.0.0.1')).toBe(true);
    expect(failures.blocked('10.0.0.2')).toBe(false);
    now += 60_000;
    expect(failures.blocked('10.0.0.1')).toBe(false);
    failures.add('a');
    failures.add('b');
    failures.add('c');
    expect(failures.blocked('a')).toBe(false);
  });
});
