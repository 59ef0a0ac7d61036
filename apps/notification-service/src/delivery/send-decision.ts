import { backoffDelay } from '@keypool/platform';
import type { SendOutcome } from './sendgrid-delivery';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** A transient failure this long after the e-mail was queued is final. */
  maxAgeMs: number;
}

/** What the sender knows of a claimed e-mail when SendGrid's answer comes back. */
export interface ClaimedState {
  createdAt: Date;
  /** Hand-offs to SendGrid so far, this one included. */
  attempts: number;
  /** Whether EmailFailed{permanent:false} was already published for this e-mail. */
  retryReported: boolean;
}

export type SendDecision =
  { status: 'sent' } | { status: 'pending'; nextAttemptAt: Date; reportRetry: boolean; reason: string } | { status: 'failed'; reason: string };

/**
 * What becomes of an e-mail after one hand-off to SendGrid: sent; refused for good; or, for
 * 429/5xx/network, tried again later with capped exponential backoff (a Retry-After is
 * honoured even beyond the cap) until `maxAgeMs` after it was queued, then failed for good.
 */
export function decideAfterSend(state: ClaimedState, outcome: SendOutcome, policy: RetryPolicy, now: Date, random: () => number = Math.random): SendDecision {
  if (outcome.ok) return { status: 'sent' };
  if (outcome.permanent) return { status: 'failed', reason: outcome.reason };
  const reason = lastReason(outcome);
  const deadline = state.createdAt.getTime() + policy.maxAgeMs;
  if (now.getTime() >= deadline) {
    return {
      status: 'failed',
      reason: `${reason}; still failing after retrying for ${describeDuration(policy.maxAgeMs)} (${state.attempts} attempts)`.slice(0, 2000),
    };
  }
  // Jittered: an outage ends with its e-mails spread out, not all due in the same instant.
  const backoff = backoffDelay({ maxAttempts: Infinity, baseDelayMs: policy.baseDelayMs, maxDelayMs: policy.maxDelayMs }, state.attempts, random);
  const delay = Math.max(outcome.retryAfterMs ?? 0, backoff);
  const nextAttemptAt = new Date(Math.min(now.getTime() + delay, deadline));
  return { status: 'pending', nextAttemptAt, reportRetry: !state.retryReported, reason };
}

/** SendGrid's own words for the last failed request, without the "gave up after" suffix of one hand-off. */
function lastReason(outcome: Extract<SendOutcome, { ok: false }>): string {
  const last = outcome.attempts[outcome.attempts.length - 1];
  return last?.reason ?? outcome.reason;
}

function describeDuration(ms: number): string {
  if (ms % 3600000 === 0) return `${ms / 3600000} h`;
  if (ms % 60000 === 0) return `${ms / 60000} min`;
  return `${Math.round(ms / 1000)} s`;
}
