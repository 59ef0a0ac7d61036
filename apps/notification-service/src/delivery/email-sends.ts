import type { EntityManager } from 'typeorm';
import type { Opening } from '@keypool/messaging';
import { type SecretBox, literalRows, unnestRows, updateReturning } from '@keypool/platform';
import { type DeliveryRecord, insertDeliveriesOf } from './deliveries';
import { SETTINGS_STALE, type SettingsCheck } from './license-email-settings';
import { emailSendContext } from '../keys/sealed-columns';
import type { AttemptRecord, OutgoingMail } from './sendgrid-delivery';

/** The order line an e-mail belongs to, as email_sends keeps it in plain columns. */
export interface EmailLine {
  eventId: string;
  merchantId: string;
  orderId: string;
  lineId: string;
  productId: string;
  recipient: string;
  resendOf: string | null;
}

/** What only the sender needs, sealed at rest: the rendered e-mail holds license values. */
export interface SealedContent {
  mail: OutgoingMail;
  licenseIds: string[];
}

export type QueuedEmail = EmailLine & ({ content: SealedContent } | { refused: string });

/** An e-mail this sender now holds: it alone may record the outcome while its claim token stands. */
export interface ClaimedEmail extends EmailLine {
  id: string;
  payload: Buffer | null;
  attempts: number;
  retryReported: boolean;
  createdAt: Date;
  attemptLog: AttemptRecord[];
}

export interface SendRecord {
  id: string;
  status: 'sent' | 'pending' | 'failed';
  nextAttemptAt: Date | null;
  retryReported: boolean;
  lastError: string | null;
  lastStatusCode: number | null;
  attempts: AttemptRecord[];
}

const LINE_COLUMNS = `s.id, s.event_id, s.merchant_id, s.order_id, s.line_id, s.product_id, s.recipient, s.resend_of`;

/** A claim the consumer's transaction takes on the e-mails it queues, for this process's sender. */
export interface QueueClaim {
  token: string;
  by: string;
  leaseMs: number;
}

/** A queued e-mail the consumer's transaction claimed: the sender hands it to SendGrid once that commits. */
export interface QueuedClaim {
  id: string;
  eventId: string;
  createdAt: Date;
  /**
   * Date.now() by which its lease ends at the latest. The database's lease runs from the
   * transaction's start (now()), so it is read back from the database: the time left when the
   * statement ran (lease_until - clock_timestamp()) added to Date.now() taken before it was sent
   * (never later than the truth, and no clock skew between the process and the database).
   */
  leaseEndsAt: number;
}

/**
 * Adds e-mails to the outbox in the consumer's transaction: pending with their sealed content,
 * or already failed when rendering was refused. An event id queued before is left alone.
 * With `claim`, the e-mails to send are queued already claimed (status sending, one attempt,
 * a lease), as claimDueEmails would claim them: the sender sends them right after the commit
 * without a claim transaction of its own, and the lease covers a crash before it does.
 * With `check` (the cached texts and senders they were written with), nothing is queued when
 * those changed since they were cached: the answer is `stale`, and the caller writes them again.
 */
export async function queueEmails(
  manager: EntityManager,
  cipher: SecretBox,
  emails: QueuedEmail[],
  options: { claim?: QueueClaim; check?: SettingsCheck | null } = {},
): Promise<{ claimed: QueuedClaim[]; stale: boolean }> {
  if (emails.length === 0) return { claimed: [], stale: false };
  const { claim, check } = options;
  const p: unknown[] = [claim?.token ?? null, claim?.by ?? null, claim?.leaseMs ?? 0];
  let stale = 'false';
  if (check) {
    const x = unnestRows(
      check.texts,
      { merchant_id: ['text', (t) => t.merchantId], product_id: ['text', (t) => t.productId], fingerprint: ['text', (t) => t.fingerprint] },
      { alias: 'x', first: p.length + 1 },
    );
    p.push(...x.parameters);
    const y = unnestRows(
      check.senders,
      { merchant_id: ['text', (s) => s.merchantId], fingerprint: ['text', (s) => s.fingerprint] },
      { alias: 'y', first: p.length + 1 },
    );
    p.push(...y.parameters);
    stale = SETTINGS_STALE(x.from, y.from);
  }
  const u = unnestRows(
    emails,
    {
      event_id: ['text', (e) => e.eventId],
      merchant_id: ['text', (e) => e.merchantId],
      order_id: ['text', (e) => e.orderId],
      line_id: ['text', (e) => e.lineId],
      product_id: ['text', (e) => e.productId],
      recipient: ['text', (e) => e.recipient],
      resend_of: ['text', (e) => e.resendOf],
      payload: ['bytea', (e) => ('content' in e ? cipher.encrypt(JSON.stringify(e.content), emailSendContext(e.eventId)) : null)],
      status: ['text', (e) => ('content' in e ? (claim ? 'sending' : 'pending') : 'failed')],
      last_error: ['text', (e) => ('refused' in e ? e.refused : null)],
    },
    { first: p.length + 1 },
  );
  p.push(...u.parameters);
  const sentAt = Date.now();
  const rows: {
    id: string | null;
    event_id: string | null;
    created_at: Date | null;
    status: string | null;
    lease_left_ms: number | string | null;
    stale: boolean;
  }[] = await manager.query(
    `WITH stale AS (
       SELECT ${stale} AS stale
     ), queued AS (
       INSERT INTO email_sends (event_id, kind, merchant_id, order_id, line_id, product_id, recipient, resend_of, payload, status, last_error, finished_at,
                                attempts, claim_token, claimed_by, claimed_at, lease_until)
       SELECT u.event_id, 'license', u.merchant_id, u.order_id, u.line_id, u.product_id, u.recipient, u.resend_of, u.payload, u.status, u.last_error,
              CASE WHEN u.status = 'failed' THEN now() END,
              (u.status = 'sending')::int, CASE WHEN u.status = 'sending' THEN $1::uuid END, CASE WHEN u.status = 'sending' THEN $2 END,
              CASE WHEN u.status = 'sending' THEN now() END, CASE WHEN u.status = 'sending' THEN now() + $3 * interval '1 millisecond' END
         FROM ${u.from}
        WHERE NOT (SELECT stale FROM stale)
       ON CONFLICT (kind, event_id) DO NOTHING
       RETURNING id, event_id, created_at, status, floor(extract(epoch FROM lease_until - clock_timestamp()) * 1000) AS lease_left_ms
     )
     SELECT id, event_id, created_at, status, lease_left_ms, false AS stale FROM queued
     UNION ALL
     SELECT NULL, NULL, NULL, NULL, NULL, true FROM stale WHERE stale`,
    p,
  );
  if (rows.some((r) => r.stale)) return { claimed: [], stale: true };
  return {
    claimed: rows
      .filter((r) => r.status === 'sending')
      .map((r) => ({ id: String(r.id), eventId: r.event_id!, createdAt: new Date(r.created_at!), leaseEndsAt: sentAt + Number(r.lease_left_ms) })),
    stale: false,
  };
}

/**
 * Gives back e-mails claimed under tokens whose claim this process never saw commit (the
 * connection broke at commit): nothing was sent under them, so they are due again at once,
 * not counted as an attempt, instead of waiting out their lease.
 */
export async function releaseUnsentClaims(manager: EntityManager, tokens: string[]): Promise<number> {
  const rows: unknown[] = await updateReturning(
    manager,
    `UPDATE email_sends SET status = 'pending', claim_token = NULL, lease_until = NULL, next_attempt_at = now(),
            attempts = GREATEST(attempts - 1, 0)
      WHERE status = 'sending' AND claim_token = ANY($1::uuid[]) RETURNING id`,
    [tokens],
  );
  return rows.length;
}

/**
 * Gives back e-mails this process holds under the given claims and has not handed to SendGrid
 * (queued for its sender, not sent): due again at once, the attempt not counted, as
 * releaseUnsentClaims does, but only the rows named, so an e-mail of the same claim that was
 * sent is never touched. A row whose claim was taken over meanwhile is left alone.
 */
export async function releaseUnsentEmails(manager: EntityManager, emails: { id: string; token: string }[]): Promise<number> {
  if (emails.length === 0) return 0;
  const rows: unknown[] = await updateReturning(
    manager,
    `UPDATE email_sends s SET status = 'pending', claim_token = NULL, lease_until = NULL, next_attempt_at = now(),
            attempts = GREATEST(s.attempts - 1, 0)
       FROM unnest($1::bigint[], $2::uuid[]) AS u(id, token)
      WHERE s.id = u.id AND s.status = 'sending' AND s.claim_token = u.token RETURNING s.id`,
    [emails.map((e) => e.id), emails.map((e) => e.token)],
  );
  return rows.length;
}

/**
 * Ends the leases of e-mails claimed by an earlier process of the same instance (claimed_by
 * LIKE `pattern`, not this process): it is dead, so they are claimed again at once, by the
 * ordinary once-only reclaim.
 */
export async function releaseClaimsOf(manager: EntityManager, pattern: string, self: string): Promise<number> {
  const rows: unknown[] = await updateReturning(
    manager,
    `UPDATE email_sends SET lease_until = now() - interval '1 millisecond'
      WHERE status = 'sending' AND claimed_by LIKE $1 AND claimed_by <> $2 RETURNING id`,
    [pattern, self],
  );
  return rows.length;
}

/**
 * Claims due e-mails for one hand-off to SendGrid: pending ones whose time has come, and ones
 * whose earlier claim expired without an outcome *if they were never reclaimed before*.
 * SKIP LOCKED lets instances claim side by side without waiting for or taking each other's rows.
 */
export async function claimDueEmails(manager: EntityManager, claim: { token: string; by: string; leaseMs: number; limit: number }): Promise<ClaimedEmail[]> {
  const rows = await updateReturning<ClaimedRow>(
    manager,
    `WITH expired AS (
       SELECT id FROM email_sends WHERE status = 'sending' AND lease_until < now() AND reclaims = 0
        ORDER BY lease_until LIMIT $4 FOR UPDATE SKIP LOCKED
     ), due AS (
       SELECT id FROM email_sends WHERE status = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED
     )
     UPDATE email_sends s
        SET status = 'sending', claim_token = $1, claimed_by = $2, claimed_at = now(),
            lease_until = now() + $3 * interval '1 millisecond', attempts = s.attempts + 1,
            reclaims = s.reclaims + (s.status = 'sending')::int
      WHERE s.id IN (SELECT id FROM expired UNION ALL SELECT id FROM due)
      RETURNING ${LINE_COLUMNS}, s.payload, s.attempts, s.retry_reported, s.created_at, s.attempt_log`,
    [claim.token, claim.by, claim.leaseMs, claim.limit],
  );
  return rows.map((r) => ({
    ...lineOf(r),
    id: String(r.id),
    payload: r.payload,
    attempts: r.attempts,
    retryReported: r.retry_reported,
    createdAt: new Date(r.created_at),
    attemptLog: r.attempt_log,
  }));
}

/**
 * Gives up on e-mails whose claim expired a second time: they were handed to SendGrid at least
 * twice without an outcome, so a third hand-off could be a third copy. Support decides instead.
 */
export async function abandonTwiceInterrupted(
  manager: EntityManager,
  limit: number,
  reason: string,
): Promise<(EmailLine & { attempts: number; attemptLog: AttemptRecord[] })[]> {
  const rows = await updateReturning<ClaimedRow>(
    manager,
    `UPDATE email_sends s
        SET status = 'failed', payload = NULL, last_error = $2, finished_at = now(), claim_token = NULL, lease_until = NULL
      WHERE s.id IN (SELECT id FROM email_sends WHERE status = 'sending' AND lease_until < now() AND reclaims > 0
                      ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED)
      RETURNING ${LINE_COLUMNS}, s.attempts, s.attempt_log`,
    [limit, reason],
  );
  return rows.map((r) => ({ ...lineOf(r), attempts: r.attempts, attemptLog: r.attempt_log }));
}

/**
 * Records what came of claims, only for rows still held by their claim's token (a claim that
 * expired and was taken over is no longer ours to settle), and the deliveries rows of the ones
 * recorded, in one statement of literals: it opens the recording transaction, sent with its BEGIN.
 * Reads the ids it recorded.
 */
export function recordSendOutcomesOpening(
  records: (SendRecord & { token: string })[],
  deliveries: (DeliveryRecord & { sendId: string })[],
): Opening<Set<string>> {
  return {
    sql: (literal) => {
      const u = literalRows(
        records,
        {
          id: ['bigint', (r) => r.id],
          token: ['uuid', (r) => r.token],
          status: ['text', (r) => r.status],
          next_attempt_at: ['timestamptz', (r) => r.nextAttemptAt],
          retry_reported: ['boolean', (r) => r.retryReported],
          last_error: ['text', (r) => r.lastError],
          last_status_code: ['int', (r) => r.lastStatusCode],
          attempts: ['text', (r) => JSON.stringify(r.attempts)],
        },
        literal,
      );
      return `WITH recorded AS (
         UPDATE email_sends s
            SET status = u.status, next_attempt_at = coalesce(u.next_attempt_at, s.next_attempt_at),
                retry_reported = s.retry_reported OR u.retry_reported, last_error = u.last_error, last_status_code = u.last_status_code,
                attempt_log = s.attempt_log || u.attempts::jsonb, claim_token = NULL, lease_until = NULL,
                payload = CASE WHEN u.status = 'pending' THEN s.payload END,
                finished_at = CASE WHEN u.status <> 'pending' THEN now() END
           FROM ${u.from}
          WHERE s.id = u.id AND s.status = 'sending' AND s.claim_token = u.token
          RETURNING s.id
       ), written AS (
         ${insertDeliveriesOf(deliveries, literal, 'JOIN recorded ON recorded.id = d.send_id')}
       )
       SELECT id FROM recorded`;
    },
    read: (rows) => new Set(rows.map((r) => String(r['id']))),
  };
}

interface ClaimedRow {
  id: string;
  event_id: string;
  merchant_id: string;
  order_id: string;
  line_id: string;
  product_id: string;
  recipient: string;
  resend_of: string | null;
  payload: Buffer | null;
  attempts: number;
  retry_reported: boolean;
  created_at: string | Date;
  attempt_log: AttemptRecord[];
}

function lineOf(r: ClaimedRow): EmailLine {
  return {
    eventId: r.event_id,
    merchantId: r.merchant_id,
    orderId: r.order_id,
    lineId: r.line_id,
    productId: r.product_id,
    recipient: r.recipient,
    resendOf: r.resend_of,
  };
}

/** TypeORM's postgres driver answers UPDATE … RETURNING with [rows, rowCount]. */
