import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CoalescedRuns, Transactions } from '@keypool/messaging';
import { type SecretBox, backoffDelay, sleep } from '@keypool/platform';
import { emailSendContext } from '../keys/sealed-columns';
import { recordDeliveries, type DeliveryRecord } from './deliveries';
import {
  ClaimedEmail,
  SealedContent,
  SendRecord,
  abandonTwiceInterrupted,
  claimDueEmails,
  recordSendOutcomes,
  releaseClaimsOf,
  releaseUnsentClaims,
} from './email-sends';
import { OutcomeTopics, deliveryOf, emailFailed, emailSent } from './license-email-events';
import type { NotificationMetrics } from './notification-metrics';
import { RetryBudget } from './retry-budget';
import { RetryPolicy, SendDecision, decideAfterSend } from './send-decision';
import type { SendGridDelivery, SendOutcome } from './sendgrid-delivery';

export interface EmailSenderSettings {
  leaseMs: number;
  pollMs: number;
  claimSize: number;
  retry: RetryPolicy;
  /** Retry wait shared by one hand-off's requests (SENDGRID_RETRY_BUDGET_MS). */
  retryBudgetMs: number;
  concurrency: number;
  /**
   * This instance's name across restarts (EMAIL_SENDER_ID, e.g. the pod name). Unset: every
   * process is new, and a dead one's claims wait out their lease.
   */
  senderId?: string;
}

export interface EmailSenderDeps {
  transactions: Transactions;
  cipher: SecretBox;
  delivery: SendGridDelivery;
  metrics: NotificationMetrics;
  topics: OutcomeTopics;
  logger: { error(details: object, message: string): void };
}

const MAX_UNSEEN_CLAIMS = 1000;

export const TWICE_INTERRUPTED =
  'sending was interrupted twice before SendGrid’s answer was recorded; the customer may have this e-mail once or twice — resend it if they do not';

interface Settled {
  email: ClaimedEmail;
  content: SealedContent | null;
  outcome: SendOutcome;
  decision: SendDecision;
}

/**
 * Sends what the consumer queued in email_sends: claims due e-mails in a short transaction,
 * hands them to SendGrid in batched requests, then records every outcome in one transaction
 * (EmailSent / EmailFailed through the outbox). Instances cooperate through SKIP LOCKED.
 * `wake()` right after a consumer commit keeps latency low; the poll catches retries that
 * come due and claims a crashed instance left behind.
 *
 * The guarantee: an e-mail is handed to SendGrid again only after a recorded transient failure
 * (SendGrid took nothing) or, once in its life, after a claim expired with no recorded outcome
 * (the instance died, or could not record for the whole lease). A claim that expires a second
 * time is not sent again but failed for good (TWICE_INTERRUPTED). So a crash or database fault
 * repeats only the e-mails in flight at that moment, each at most once.
 */
export class EmailSender {
  readonly instanceId: string;
  /** Tokens of claims that failed as far as this process saw, but may have committed. */
  private readonly unseenClaims: string[] = [];
  private timer?: NodeJS.Timeout;
  private readonly runs = new CoalescedRuns(
    () => this.drain(),
    () => !this.stopped,
  );
  private stopped = true;

  constructor(
    private readonly deps: EmailSenderDeps,
    private readonly settings: EmailSenderSettings,
  ) {
    this.instanceId = `${settings.senderId ?? hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /**
   * Starts sending. An instance that knows its name (senderId) first ends the leases its own
   * previous process left: that process is dead, so its in-flight e-mails are claimed again at
   * once (still at most once more each) instead of after the lease.
   */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.settings.senderId) await this.releasePredecessorClaims(this.settings.senderId);
    this.timer = setInterval(() => this.wake(), this.settings.pollMs);
    this.timer.unref();
    this.wake();
  }

  private async releasePredecessorClaims(senderId: string): Promise<void> {
    try {
      await this.deps.transactions.run((tx) => releaseClaimsOf(tx.manager, `${senderId}:%`, this.instanceId));
    } catch (error) {
      // Not fatal: those claims are taken again when their lease ends.
      this.deps.logger.error({ err: error }, 'releasing the claims of this instance before its restart failed');
    }
  }

  /** Coalesces wake-ups: one drain at a time, and one more if woken meanwhile. */
  wake(): void {
    this.runs.wake();
  }

  /** Finishes the hand-off in flight (send and record), then stops claiming. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.runs.settled();
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const token = randomUUID();
      const claimed = await this.claim(token);
      if (claimed.length === 0) return;
      await this.sendAndRecord(token, claimed);
    }
  }

  private async claim(token: string): Promise<ClaimedEmail[]> {
    if (this.unseenClaims.length > 0) await this.releaseUnseenClaims();
    try {
      return await this.deps.transactions.run(async (tx) => {
        const abandoned = await abandonTwiceInterrupted(tx.manager, this.settings.claimSize, TWICE_INTERRUPTED);
        await recordDeliveries(
          tx.manager,
          abandoned.map((a) => deliveryOf(a, { status: 'failed', reason: TWICE_INTERRUPTED, statusCode: null }, a.attemptLog)),
        );
        for (const a of abandoned) {
          tx.publish(emailFailed(this.deps.topics, a, { reason: TWICE_INTERRUPTED, permanent: true, attempts: a.attempts, statusCode: null }));
          this.deps.metrics.failed('license', true);
        }
        return claimDueEmails(tx.manager, { token, by: this.instanceId, leaseMs: this.settings.leaseMs, limit: this.settings.claimSize });
      });
    } catch (error) {
      // Nothing was sent. The claim may still have committed (the connection broke at commit):
      // its token is kept, and what it took is given back once the database answers again.
      this.unseenClaims.push(token);
      if (this.unseenClaims.length > MAX_UNSEEN_CLAIMS) this.unseenClaims.shift(); // those wait out their lease
      this.deps.logger.error({ err: error }, 'claiming e-mails to send failed');
      return [];
    }
  }

  private async releaseUnseenClaims(): Promise<void> {
    const tokens = [...this.unseenClaims];
    try {
      await this.deps.transactions.run((tx) => releaseUnsentClaims(tx.manager, tokens));
      this.unseenClaims.splice(0, tokens.length);
    } catch {
      // Still away: the next claim tries again.
    }
  }

  private async sendAndRecord(token: string, claimed: ClaimedEmail[]): Promise<void> {
    const deadline = Date.now() + this.settings.leaseMs;
    const contents = claimed.map((email) => this.open(email));
    const sendable = claimed.flatMap((email, i) => (contents[i] ? [{ email, mail: contents[i].mail }] : []));
    const budget = new RetryBudget(this.settings.retryBudgetMs);
    const sent = await this.deps.delivery.sendAll(
      sendable.map((s) => s.mail),
      budget,
      this.settings.concurrency,
    );
    const outcomeOf = new Map(sendable.map((s, i) => [s.email.id, sent[i]]));
    const now = new Date();
    const settled = claimed.map((email, i): Settled => {
      const outcome = outcomeOf.get(email.id) ?? unreadable();
      return { email, content: contents[i], outcome, decision: decideAfterSend(email, outcome, this.settings.retry, now) };
    });
    await this.recordUntilDone(token, settled, deadline);
  }

  /** A payload that cannot be opened (a missing key) is a transient failure: nothing was sent. */
  private open(email: ClaimedEmail): SealedContent | null {
    try {
      return email.payload ? (JSON.parse(this.deps.cipher.decryptText(email.payload, emailSendContext(email.eventId))) as SealedContent) : null;
    } catch (error) {
      this.deps.logger.error({ err: error, eventId: email.eventId }, 'an e-mail waiting to be sent cannot be decrypted');
      return null;
    }
  }

  /**
   * A database error here must not resend what SendGrid accepted: the outcome stays in memory
   * and recording is retried until the claim's lease would run out. Past it another claim may
   * already be sending; what it records then decides.
   */
  private async recordUntilDone(token: string, settled: Settled[], deadline: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.record(token, settled);
        return;
      } catch (error) {
        const waitMs = backoffDelay({ maxAttempts: Infinity, baseDelayMs: 100, maxDelayMs: 2000 }, attempt);
        const givingUp = Date.now() + waitMs >= deadline || (this.stopped && attempt >= 3);
        this.deps.logger.error({ err: error, emails: settled.length, attempt, givingUp }, 'recording what SendGrid answered failed');
        if (givingUp) return;
        await sleep(waitMs);
      }
    }
  }

  private async record(token: string, settled: Settled[]): Promise<void> {
    const { metrics, topics } = this.deps;
    await this.deps.transactions.run(async (tx) => {
      const ours = await recordSendOutcomes(tx.manager, token, settled.map(sendRecordOf));
      const deliveries: DeliveryRecord[] = [];
      for (const { email, content, outcome, decision } of settled.filter((s) => ours.has(s.email.id))) {
        const attempts = [...email.attemptLog, ...outcome.attempts];
        if (decision.status === 'sent' && outcome.ok) {
          deliveries.push(deliveryOf(email, { status: 'sent', providerMessageId: outcome.providerMessageId }, attempts));
          tx.publish(emailSent(topics, email, { licenseIds: content?.licenseIds ?? [], providerMessageId: outcome.providerMessageId }));
          metrics.sent('license');
        } else if (decision.status === 'failed') {
          const statusCode = outcome.ok ? null : outcome.statusCode;
          deliveries.push(deliveryOf(email, { status: 'failed', reason: decision.reason, statusCode }, attempts));
          tx.publish(emailFailed(topics, email, { reason: decision.reason, permanent: true, attempts: attempts.length, statusCode }));
          metrics.failed('license', true);
        } else if (decision.status === 'pending' && !outcome.ok) {
          if (decision.reportRetry) {
            tx.publish(emailFailed(topics, email, { reason: decision.reason, permanent: false, attempts: attempts.length, statusCode: outcome.statusCode }));
            metrics.failed('license', false);
          }
          metrics.retried(outcome.statusCode);
        }
      }
      await recordDeliveries(tx.manager, deliveries);
    });
  }
}

function sendRecordOf({ email, outcome, decision }: Settled): SendRecord {
  return {
    id: email.id,
    status: decision.status,
    nextAttemptAt: decision.status === 'pending' ? decision.nextAttemptAt : null,
    retryReported: decision.status === 'pending' && decision.reportRetry,
    lastError: decision.status === 'sent' ? null : decision.reason,
    lastStatusCode: outcome.ok ? null : outcome.statusCode,
    attempts: outcome.attempts,
  };
}

function unreadable(): SendOutcome {
  return {
    ok: false,
    permanent: false,
    statusCode: null,
    reason: 'the e-mail could not be decrypted (is its encryption key configured?)',
    attempts: [{ at: new Date().toISOString(), statusCode: null, outcome: 'retryable', reason: 'not sent: the e-mail could not be decrypted' }],
  };
}
