import { decideAfterSend } from './send-decision';
import type { SendOutcome } from './sendgrid-delivery';

const policy = { baseDelayMs: 1000, maxDelayMs: 60000, maxAgeMs: 3600000 };
const createdAt = new Date('2026-11-29T12:00:00Z');
const after = (ms: number) => new Date(createdAt.getTime() + ms);
const unavailable = (extra: Partial<Extract<SendOutcome, { ok: false }>> = {}): SendOutcome => ({
  ok: false,
  permanent: false,
  statusCode: 503,
  reason: 'SendGrid answered 503: Service Unavailable (gave up after 4 attempts)',
  attempts: [{ at: createdAt.toISOString(), statusCode: 503, outcome: 'retryable', reason: 'SendGrid answered 503: Service Unavailable' }],
  ...extra,
});
const noJitter = () => 1;

describe('what becomes of an e-mail after a hand-off to SendGrid', () => {
  it('is sent when SendGrid accepted it, and failed for good when SendGrid refused it', () => {
    expect(decideAfterSend({ createdAt, attempts: 1, retryReported: false }, { ok: true, providerMessageId: 'x', attempts: [] }, policy, after(10))).toEqual({
      status: 'sent',
    });
    const refused: SendOutcome = { ok: false, permanent: true, statusCode: 400, reason: 'SendGrid answered 400: bad address', attempts: [] };
    expect(decideAfterSend({ createdAt, attempts: 1, retryReported: false }, refused, policy, after(10))).toEqual({
      status: 'failed',
      reason: 'SendGrid answered 400: bad address',
    });
  });

  it('waits longer after each transient failure, up to the cap, reporting the retry only the first time', () => {
    const first = decideAfterSend({ createdAt, attempts: 1, retryReported: false }, unavailable(), policy, after(0), noJitter);
    expect(first).toEqual({ status: 'pending', nextAttemptAt: after(1000), reportRetry: true, reason: 'SendGrid answered 503: Service Unavailable' });
    const third = decideAfterSend({ createdAt, attempts: 3, retryReported: true }, unavailable(), policy, after(0), noJitter);
    expect(third).toMatchObject({ status: 'pending', nextAttemptAt: after(4000), reportRetry: false });
    const late = decideAfterSend({ createdAt, attempts: 40, retryReported: true }, unavailable(), policy, after(0), noJitter);
    expect(late).toMatchObject({ nextAttemptAt: after(60000) });
  });

  it('honours a Retry-After longer than its own backoff, even beyond the cap', () => {
    const throttled = unavailable({ statusCode: 429, retryAfterMs: 120000 });
    expect(decideAfterSend({ createdAt, attempts: 1, retryReported: false }, throttled, policy, after(0), noJitter)).toMatchObject({
      nextAttemptAt: after(120000),
    });
  });

  it('never schedules past the maximum age, and fails for good once it is reached', () => {
    const nearEnd = decideAfterSend({ createdAt, attempts: 12, retryReported: true }, unavailable(), policy, after(3590000), noJitter);
    expect(nearEnd).toMatchObject({ status: 'pending', nextAttemptAt: after(3600000) });
    const expired = decideAfterSend({ createdAt, attempts: 13, retryReported: true }, unavailable(), policy, after(3600000), noJitter);
    expect(expired).toEqual({ status: 'failed', reason: 'SendGrid answered 503: Service Unavailable; still failing after retrying for 1 h (13 attempts)' });
  });
});
