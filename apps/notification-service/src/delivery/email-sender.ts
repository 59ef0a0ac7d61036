import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CoalescedRuns, Transactions } from '@keypool/messaging';
import { type SecretBox, backoffDelay, sleep } from '@keypool/platform';
import { emailSendContext } from '../keys/sealed-columns';
import { recordDeliveries, type DeliveryRecord } from './deliveries';
import {
  ClaimedEmail,
  QueueClaim,
  SealedContent,
  SendRecord,
  abandonTwiceInterrupted,
  claimDueEmails,
  recordSendOutcomesOpening,
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

/** E-mails claimed under one token, with their content opened, and when the claim's lease runs out. */
export interface HandOff {
  token: string;
  /** Date.now() by which the outcome must be recorded: the claim's lease ends then. */
  deadline: number;
  emails: { email: ClaimedEmail; content: SealedContent | null }[];
}

interface Settled {
  token: string;
  email: ClaimedEmail;
  content: SealedContent | null;
  outcome: SendOutcome;
  decision: SendDecision;
}

/**
 * Sends what the consumer queued in email_sends. The consumer's transaction queues its e-mails
 * already claimed for this sender (queueClaim) and hands them over once it commits (handOff):
 * they go to SendGrid at once, with no claim transaction and no poll wait in between. The poll
 * (and start) claims the rest in a short transaction: retries that come due, and claims a crashed
 * instance left behind. Every outcome is recorded in one transaction of two round trips (the
 * update and the deliveries rows with BEGIN, EmailSent / EmailFailed through the outbox with
 * COMMIT). Instances cooperate through SKIP LOCKED.
 *
 * The guarantee: an e-mail is handed to SendGrid again only after a recorded transient failure
 * (SendGrid took nothing) or, once in its life, after a claim expired with no recorded outcome
 * (the instance died, or could not record for the whole lease). A claim that expires a second
 * time is not sent again but failed for good (TWICE_INTERRUPTED). So a crash or database fault
 * repeats only the e-mails in flight at that moment, each at most once. The claim taken when an
 * e-mail is queued is such a claim: a crash between the consumer's commit and the hand-off uses
 * the e-mail's one reclaim, as a crash during the hand-off does.
 */
export class EmailSender {
  readonly instanceId: string;
  /** Tokens of claims that failed as far as this process saw, but may have committed. */
  private readonly unseenClaims: string[] = [];
  /** Claims the consumer's transactions took and committed, waiting for the drain. */
  private readonly handOffs: HandOff[] = [];
  /** Whether the drain should also claim due e-mails from the table (poll, start). */
  private claimDue = false;
  private givingBack: Promise<void> = Promise.resolve();
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

  /** The claim a consumer's transaction takes on the e-mails it queues; hand them over with handOff once it commits. */
  queueClaim(): QueueClaim {
    return { token: randomUUID(), by: this.instanceId, leaseMs: this.settings.leaseMs };
  }

  /**
   * Sends e-mails queued under `claim` (committed): at once, or after the hand-off in flight.
   * A stopped sender gives them back (nothing was sent), so another claims them without waiting out the lease.
   */
  handOff(claim: QueueClaim, claimedAt: number, emails: HandOff['emails']): void {
    if (emails.length === 0) return;
    this.handOffs.push({ token: claim.token, deadline: claimedAt + claim.leaseMs, emails });
    if (this.stopped) this.giveBackHandOffs();
    else this.runs.wake();
  }

  /** Claims due e-mails from the table (retries, expired claims); coalesced: one drain at a time, and one more if woken meanwhile. */
  wake(): void {
    this.claimDue = true;
    this.runs.wake();
  }

  /** Finishes the hand-off in flight (send and record), then stops claiming; hand-offs not begun are given back. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.runs.settled();
    this.giveBackHandOffs();
    await this.givingBack;
  }

  private giveBackHandOffs(): void {
    const tokens = this.handOffs.splice(0).map((h) => h.token);
    if (tokens.length === 0) return;
    this.givingBack = this.givingBack.then(async () => {
      try {
        await this.deps.transactions.run((tx) => releaseUnsentClaims(tx.manager, tokens));
      } catch (error) {
        // They wait out their lease, then are claimed as any expired claim is.
        this.deps.logger.error({ err: error, claims: tokens.length }, 'giving back e-mails queued for this sender failed');
      }
    });
  }

  /** Hand-offs and due e-mails take turns, so neither a steady stream of fresh e-mails nor a backlog of retries holds the other back. */
  private async drain(): Promise<void> {
    while (!this.stopped) {
      const handOffs = this.handOffs.splice(0);
      if (handOffs.length > 0) await this.sendAndRecord(handOffs);
      if (this.claimDue && !this.stopped) {
        this.claimDue = false;
        // Claimed some: there may be more due, so claim again after the next hand-off.
        if (await this.sendDue()) this.claimDue = true;
      } else if (handOffs.length === 0) return;
    }
  }

  /** Claims due e-mails once and sends them; whether it claimed any. */
  private async sendDue(): Promise<boolean> {
    const token = randomUUID();
    const deadline = Date.now() + this.settings.leaseMs;
    const claimed = await this.claim(token);
    if (claimed.length === 0) return false;
    await this.sendAndRecord([{ token, deadline, emails: claimed.map((email) => ({ email, content: this.open(email) })) }]);
    return true;
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

  private async sendAndRecord(handOffs: HandOff[]): Promise<void> {
    const deadline = Math.min(...handOffs.map((h) => h.deadline));
    const claimed = handOffs.flatMap((h) => h.emails.map((e) => ({ token: h.token, ...e })));
    const sendable = claimed.flatMap((c) => (c.content ? [{ email: c.email, mail: c.content.mail }] : []));
    const budget = new RetryBudget(this.settings.retryBudgetMs);
    const sent = await this.deps.delivery.sendAll(
      sendable.map((s) => s.mail),
      budget,
      this.settings.concurrency,
    );
    const outcomeOf = new Map(sendable.map((s, i) => [s.email.id, sent[i]]));
    const now = new Date();
    const settled = claimed.map(({ token, email, content }): Settled => {
      const outcome = outcomeOf.get(email.id) ?? unreadable();
      return { token, email, content, outcome, decision: decideAfterSend(email, outcome, this.settings.retry, now) };
    });
    await this.recordUntilDone(settled, deadline);
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
  private async recordUntilDone(settled: Settled[], deadline: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.record(settled);
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

  private async record(settled: Settled[]): Promise<void> {
    const { metrics, topics } = this.deps;
    const deliveries = settled.flatMap((s) => {
      const delivery = finalDeliveryOf(s);
      return delivery ? [{ ...delivery, sendId: s.email.id }] : [];
    });
    const opening = recordSendOutcomesOpening(
      settled.map((s) => ({ ...sendRecordOf(s), token: s.token })),
      deliveries,
    );
    await this.deps.transactions.runOpening(opening, (tx, ours = new Set<string>()) => {
      for (const { email, content, outcome, decision } of settled.filter((s) => ours.has(s.email.id))) {
        const attempts = [...email.attemptLog, ...outcome.attempts];
        if (decision.status === 'sent' && outcome.ok) {
          tx.publish(emailSent(topics, email, { licenseIds: content?.licenseIds ?? [], providerMessageId: outcome.providerMessageId }));
          metrics.sent('license');
        } else if (decision.status === 'failed') {
          const statusCode = outcome.ok ? null : outcome.statusCode;
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
      return Promise.resolve();
    });
  }
}

/** The deliveries row of an e-mail whose outcome is final (sent, or failed for good); none while it waits for a retry. */
function finalDeliveryOf({ email, outcome, decision }: Settled): DeliveryRecord | null {
  const attempts = [...email.attemptLog, ...outcome.attempts];
  if (decision.status === 'sent' && outcome.ok) return deliveryOf(email, { status: 'sent', providerMessageId: outcome.providerMessageId }, attempts);
  if (decision.status === 'failed')
    return deliveryOf(email, { status: 'failed', reason: decision.reason, statusCode: outcome.ok ? null : outcome.statusCode }, attempts);
  return null;
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
