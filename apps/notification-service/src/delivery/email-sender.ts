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
  releaseUnsentEmails,
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
  /**
   * The longest one send to SendGrid may take: the retry budget plus every attempt's timeout
   * (SENDGRID_RETRY_BUDGET_MS + SENDGRID_MAX_ATTEMPTS × SENDGRID_TIMEOUT_MS). A queued e-mail is
   * sent only with this much left on its lease.
   */
  sendMaxMs: number;
  /** E-mails at most waiting in the hand-off queue; past it the consumer queues them unclaimed (pending) for the poll. Default 2 × claimSize. */
  maxQueued?: number;
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
  logger: { error(details: object, message: string): void; warn?(details: object, message: string): void };
}

const MAX_UNSEEN_CLAIMS = 1000;

export const TWICE_INTERRUPTED =
  'sending was interrupted twice before SendGrid’s answer was recorded; the customer may have this e-mail once or twice — resend it if they do not';

/** An e-mail claimed under `token`, with its content opened, and when the claim's lease runs out. */
interface Held {
  token: string;
  /** Date.now() by which the outcome must be recorded: the claim's lease ends then (at the latest). */
  deadline: number;
  email: ClaimedEmail;
  content: SealedContent | null;
}

/** An e-mail the consumer's transaction queued claimed for this sender. */
export type HandedOff = Pick<Held, 'email' | 'content'>;

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
 * the e-mail's one reclaim, as a crash during the hand-off does (the database cannot tell them
 * apart without a write before each send, the round trip the hand-off saves).
 *
 * Hand-offs are bounded three ways, so a slow SendGrid cannot make two senders send one e-mail:
 * each send takes at most claimSize e-mails; before a batch of queued e-mails is sent, any whose
 * lease (as the database set it) ends within the longest a send may take (sendMaxMs) is given
 * back unsent (pending, attempt not counted; a no-op for one another instance already took over),
 * so this sender never starts a send it might not record before another may claim it; and once
 * maxQueued e-mails wait, the consumer queues new ones unclaimed (pending) for the poll to claim,
 * which also bounds the memory the queue takes during an outage.
 */
export class EmailSender {
  readonly instanceId: string;
  /** Tokens of claims that failed as far as this process saw, but may have committed. */
  private readonly unseenClaims: string[] = [];
  /** E-mails the consumer's transactions claimed and committed, waiting for the drain. */
  private readonly queued: Held[] = [];
  private readonly maxQueued: number;
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
    this.maxQueued = settings.maxQueued ?? 2 * settings.claimSize;
  }

  /** E-mails waiting in the hand-off queue (not yet in a send). */
  get queuedCount(): number {
    return this.queued.length;
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

  /**
   * The claim a consumer's transaction takes on the e-mails it queues; hand them over with handOff
   * once it commits. None (queue them pending, for the poll) while maxQueued e-mails wait already.
   * Transactions running at the same time each see the queue as it is, so it can pass the bound by
   * what they queue.
   */
  queueClaim(): QueueClaim | null {
    if (this.queued.length >= this.maxQueued) return null;
    return { token: randomUUID(), by: this.instanceId, leaseMs: this.settings.leaseMs };
  }

  /**
   * Sends e-mails queued under `claim` (committed) whose lease ends at `leaseEndsAt` (Date.now()
   * terms, from the database): at once, or after the sends queued before them.
   * A stopped sender gives them back (nothing was sent), so another claims them without waiting out the lease.
   */
  handOff(claim: QueueClaim, leaseEndsAt: number, emails: HandedOff[]): void {
    if (emails.length === 0) return;
    for (const e of emails) this.queued.push({ token: claim.token, deadline: leaseEndsAt, ...e });
    if (this.stopped) void this.giveBack(this.queued.splice(0));
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
    await this.giveBack(this.queued.splice(0));
  }

  /**
   * Gives queued e-mails back unsent (pending, due at once, attempt not counted), by id and claim,
   * so none that was sent under the same claim is touched. Returns once done (or failed).
   */
  private giveBack(emails: Held[]): Promise<void> {
    if (emails.length === 0) return this.givingBack;
    const rows = emails.map((e) => ({ id: e.email.id, token: e.token }));
    this.givingBack = this.givingBack.then(async () => {
      try {
        await this.deps.transactions.run((tx) => releaseUnsentEmails(tx.manager, rows));
      } catch (error) {
        // They wait out their lease, then are claimed as any expired claim is.
        this.deps.logger.error({ err: error, emails: rows.length }, 'giving back e-mails queued for this sender failed');
      }
    });
    return this.givingBack;
  }

  /** Hand-offs and due e-mails take turns, so neither a steady stream of fresh e-mails nor a backlog of retries holds the other back. */
  private async drain(): Promise<void> {
    while (!this.stopped) {
      const batch = this.queued.splice(0, this.settings.claimSize);
      if (batch.length > 0) await this.sendQueued(batch);
      if (this.claimDue && !this.stopped) {
        this.claimDue = false;
        // Claimed some: there may be more due, so claim again after the next hand-off.
        if (await this.sendDue()) this.claimDue = true;
      } else if (batch.length === 0) return;
    }
  }

  /**
   * Sends a batch of queued e-mails, except those whose lease ends too soon for a send and its
   * record: once a lease ends, another instance may claim and send the e-mail, and a send this
   * instance started then would be a second copy. Those are given back first, unsent.
   */
  private async sendQueued(batch: Held[]): Promise<void> {
    const cutoff = Date.now() + this.settings.sendMaxMs;
    const late = batch.filter((h) => h.deadline <= cutoff);
    if (late.length > 0) {
      this.deps.logger.warn?.({ emails: late.length }, 'queued e-mails given back unsent: their lease ends too soon to send and record them');
      await this.giveBack(late);
    }
    const inTime = late.length > 0 ? batch.filter((h) => h.deadline > cutoff) : batch;
    if (inTime.length > 0) await this.sendAndRecord(inTime);
  }

  /** Claims due e-mails once and sends them; whether it claimed any. */
  private async sendDue(): Promise<boolean> {
    const token = randomUUID();
    const deadline = Date.now() + this.settings.leaseMs;
    const claimed = await this.claim(token);
    if (claimed.length === 0) return false;
    await this.sendAndRecord(claimed.map((email) => ({ token, deadline, email, content: this.open(email) })));
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

  private async sendAndRecord(claimed: Held[]): Promise<void> {
    const deadline = Math.min(...claimed.map((h) => h.deadline));
    const sendable = claimed.flatMap((c) => (c.content ? [{ email: c.email, mail: c.content.mail }] : []));
    const budget = new RetryBudget(this.settings.retryBudgetMs);
    // A request started by then ends (retries included) before the first of the claims' leases.
    const sent = await this.deps.delivery.sendAll(
      sendable.map((s) => s.mail),
      budget,
      this.settings.concurrency,
      deadline - this.settings.sendMaxMs,
    );
    const outcomeOf = new Map(sendable.map((s, i) => [s.email.id, sent[i]]));
    // Those whose request never started are given back as queued ones that came too late are:
    // nothing was sent, so no attempt is counted and no retry is reported.
    const unsent = claimed.filter((c) => isNotStarted(outcomeOf.get(c.email.id)));
    if (unsent.length > 0) {
      this.deps.logger.warn?.({ emails: unsent.length }, 'e-mails given back unsent: too little of their lease was left to start their requests');
      await this.giveBack(unsent);
    }
    const now = new Date();
    const settled = claimed
      .filter((c) => !isNotStarted(outcomeOf.get(c.email.id)))
      .map(({ token, email, content }): Settled => {
        const outcome = outcomeOf.get(email.id) ?? unreadable();
        return { token, email, content, outcome, decision: decideAfterSend(email, outcome, this.settings.retry, now) };
      });
    if (settled.length > 0) await this.recordUntilDone(settled, deadline);
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

function isNotStarted(outcome: SendOutcome | undefined): boolean {
  return outcome?.ok === false && outcome.notStarted === true;
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
