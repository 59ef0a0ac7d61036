import { Client } from '@sendgrid/client';
import { classes as sendGridClasses } from '@sendgrid/helpers';
import { MailService } from '@sendgrid/mail';
import { type RetryPolicy, backoffDelay, sleep } from '@keypool/platform';
import { mapWithConcurrency } from './bounded-concurrency';
import { RetryBudget, retryAfterMs } from './retry-budget';

export interface SendGridSettings {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  retry: RetryPolicy;
  /** E-mails sent in one request at most (SendGrid allows 1,000 personalizations); 1 turns batching off. */
  batchSize: number;
}

export interface OutgoingMail {
  from: { email: string; name: string };
  /** Where replies go (the merchant's address); absent: to `from`. */
  replyTo?: { email: string };
  /** Each recipient gets their own copy (one personalization each): nobody sees the others. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  customArgs: Record<string, string>;
  categories: string[];
}

/** One request to SendGrid and what came of it, kept in the deliveries table. */
export interface AttemptRecord {
  at: string;
  statusCode: number | null;
  outcome: 'accepted' | 'retryable' | 'rejected';
  reason?: string;
  waitMs?: number;
}

export type SendOutcome =
  | { ok: true; providerMessageId: string | null; attempts: AttemptRecord[] }
  | {
      ok: false;
      permanent: boolean;
      statusCode: number | null;
      reason: string;
      attempts: AttemptRecord[];
      retryAfterMs?: number;
      /** No request was made for it (sendAll's start-by time had passed): not a failure, just unsent. */
      notStarted?: true;
    };

interface Failure {
  statusCode: number | null;
  retryable: boolean;
  reason: string;
  retryAfterMs?: number;
}

/** A MailService of its own (not the module singleton) so settings never leak between instances. */
export function mailServiceFor(settings: Pick<SendGridSettings, 'apiKey' | 'baseUrl' | 'timeoutMs'>): MailService {
  const client = new Client();
  client.setApiKey(settings.apiKey); // first: setApiKey resets baseUrl to api.sendgrid.com
  client.setDefaultRequest('baseUrl', settings.baseUrl);
  // Passed through to axios; @sendgrid/client's typings do not list it. Without it a hung
  // connection would hold the chunk's transaction open indefinitely.
  client.setDefaultRequest({ timeout: settings.timeoutMs } as unknown as Parameters<Client['setDefaultRequest']>[0]);
  const mail = new MailService();
  mail.setClient(client);
  return mail;
}

/** SendGrid's limit on the substitutions of one personalization (keys plus values, in bytes). */
export const MAX_SUBSTITUTION_BYTES = 10_000;
// The placeholders a batched request's content carries; @sendgrid/helpers wraps the keys in {{ }}.
const TEXT_KEY = 'keypoolText';
const HTML_KEY = 'keypoolHtml';

// @sendgrid/mail's own helpers (the package it builds every request with), not a copy of ours:
// MailService.send passes an instance of *its* Mail class through as it is.
const { Mail, Personalization } = sendGridClasses;
type Mail = InstanceType<typeof Mail>;
type Personalization = InstanceType<typeof Personalization>;
type MailData = Parameters<MailService['send']>[0];
type Accepted = Extract<SendOutcome, { ok: true }>;
type Refused = Extract<SendOutcome, { ok: false }>;

/**
 * Sends through SendGrid, retrying 429, 5xx and network errors with exponential backoff and
 * jitter (honouring Retry-After), never throwing: every outcome is a value for the caller to record.
 */
export class SendGridDelivery {
  private readonly mail: MailService;

  constructor(
    private readonly settings: SendGridSettings,
    private readonly onRetry: (statusCode: number | null) => void = () => undefined,
  ) {
    this.mail = mailServiceFor(settings);
  }

  /** One request for one e-mail (each recipient its own personalization). */
  send(mail: OutgoingMail, budget: RetryBudget): Promise<SendOutcome> {
    return this.request(() => {
      const data = mailOf(mail, [
        { type: 'text/plain', value: mail.text },
        { type: 'text/html', value: mail.html },
      ]);
      data.setSubject(mail.subject);
      data.setCustomArgs(mail.customArgs);
      for (const email of mail.to) addPersonalization(data, personalization(email));
      return data;
    }, budget);
  }

  /**
   * Sends many e-mails with as few requests as SendGrid allows, the way it is meant for bulk
   * mail: one personalization per e-mail (its own recipient, subject and custom_args) and the
   * rendered bodies as that personalization's substitutions for the request's placeholder
   * content. Up to `batchSize` e-mails share a request; those that cannot (several recipients,
   * bodies over SendGrid's substitution limit, a batch of one) go alone. SendGrid accepts or
   * refuses a request as a whole: a refused batch (4xx) is sent again one e-mail per request,
   * so only the e-mail at fault fails. The result is in the order of `mails`.
   *
   * Requests go out `concurrency` at a time, in waves. No request starts after `startBy` (epoch
   * ms): the caller's claim must outlive every send it starts, and a later wave's e-mails come
   * back unsent (a transient failure with no attempt) to go out in a later hand-off.
   */
  async sendAll(mails: readonly OutgoingMail[], budget: RetryBudget, concurrency: number, startBy = Number.POSITIVE_INFINITY): Promise<SendOutcome[]> {
    const outcomes = new Array<SendOutcome>(mails.length);
    const jobs: number[][] = [];
    const groups = new Map<string, number[]>();
    mails.forEach((mail, index) => {
      if (!batchable(mail) || this.settings.batchSize < 2) return void jobs.push([index]);
      const key = JSON.stringify([mail.from, mail.replyTo ?? null, mail.categories]);
      const group = groups.get(key) ?? [];
      groups.set(key, group);
      group.push(index);
      if (group.length === this.settings.batchSize) {
        groups.delete(key);
        jobs.push(group);
      }
    });
    jobs.push(...groups.values());
    await mapWithConcurrency(jobs, concurrency, async (job) => {
      const results =
        Date.now() > startBy
          ? job.map(notStarted)
          : job.length === 1
            ? [await this.send(mails[job[0]], budget)]
            : await this.sendBatch(
                job.map((i) => mails[i]),
                budget,
                concurrency,
                startBy,
              );
      job.forEach((mailIndex, i) => (outcomes[mailIndex] = results[i]));
    });
    return outcomes;
  }

  private async sendBatch(mails: OutgoingMail[], budget: RetryBudget, concurrency: number, startBy: number): Promise<SendOutcome[]> {
    const outcome = await this.request(() => {
      const data = mailOf(mails[0], [
        { type: 'text/plain', value: `{{${TEXT_KEY}}}` },
        { type: 'text/html', value: `{{${HTML_KEY}}}` },
      ]);
      for (const mail of mails) {
        const each = personalization(mail.to[0]);
        each.setSubject(mail.subject);
        each.setCustomArgs(mail.customArgs);
        each.setSubstitutions({ [TEXT_KEY]: mail.text, [HTML_KEY]: mail.html });
        addPersonalization(data, each);
      }
      return data;
    }, budget);
    if (outcome.ok || !outcome.permanent) return mails.map(() => ({ ...outcome, attempts: [...outcome.attempts] }));
    // Refused as a whole: find the e-mail at fault by sending each alone.
    const refusal = outcome.attempts.map((a) => ({ ...a, reason: `${a.reason ?? ''} (batch of ${mails.length}; each e-mail sent again alone)` }));
    return mapWithConcurrency(mails, concurrency, async (mail) => {
      if (Date.now() > startBy) return notStarted();
      const alone = await this.send(mail, budget);
      return { ...alone, attempts: [...refusal, ...alone.attempts] };
    });
  }

  /**
   * `build` runs for each attempt inside its try, as MailService.send built the Mail from plain
   * data: a field the helpers refuse is a failed attempt, never a throw out of send.
   */
  private async request(build: () => Mail, budget: RetryBudget): Promise<Accepted | Refused> {
    const attempts: AttemptRecord[] = [];
    const { retry } = this.settings;
    for (let attempt = 1; ; attempt++) {
      const at = new Date().toISOString();
      try {
        // Typed for plain data only; Mail.create returns a Mail as it is (see mailOf).
        const [response] = await this.mail.send(build() as unknown as MailData);
        attempts.push({ at, statusCode: response.statusCode, outcome: 'accepted' });
        return { ok: true, providerMessageId: headerValue(response.headers, 'x-message-id'), attempts };
      } catch (error) {
        const failure = describeFailure(error);
        const waitMs = failure.retryAfterMs ?? backoffDelay(retry, attempt);
        const retrying = failure.retryable && attempt < retry.maxAttempts && budget.allows(waitMs);
        attempts.push({
          at,
          statusCode: failure.statusCode,
          outcome: failure.retryable ? 'retryable' : 'rejected',
          reason: failure.reason,
          ...(retrying ? { waitMs } : {}),
        });
        if (!retrying) {
          const reason = failure.retryable ? `${failure.reason} (gave up after ${attempt} attempt${attempt > 1 ? 's' : ''})` : failure.reason;
          return {
            ok: false,
            permanent: !failure.retryable,
            statusCode: failure.statusCode,
            reason,
            attempts,
            ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
          };
        }
        this.onRetry(failure.statusCode);
        await sleep(waitMs);
      }
    }
  }
}

/**
 * The request as @sendgrid/helpers' Mail, built with its setters (which check each field as
 * plain data would be checked). Given plain data, MailService.send copies all of it through
 * JSON.stringify/JSON.parse, and every personalization again: twice the rendered bodies per
 * e-mail, the largest allocation of a send. Given a Mail, it uses it as it is. What goes over
 * the wire is the same: the body is still the Mail's toJSON().
 */
function mailOf(first: OutgoingMail, content: { type: string; value: string }[]): Mail {
  const data = new Mail();
  data.setFrom(first.from);
  if (first.replyTo) data.setReplyTo(first.replyTo);
  data.setContent(content);
  data.setCategories(first.categories);
  return data;
}

function personalization(email: string): Personalization {
  const each = new Personalization();
  each.setTo([{ email }]);
  return each;
}

// Typed for plain data only; a Personalization is taken as it is (no copy), as mailOf's Mail is.
function addPersonalization(mail: Mail, each: Personalization): void {
  mail.addPersonalization(each as unknown as Parameters<Mail['addPersonalization']>[0]);
}

/** An e-mail whose request would have started too late for its claim: nothing was sent. */
function notStarted(): SendOutcome {
  return {
    ok: false,
    permanent: false,
    statusCode: null,
    reason: "not sent: too little of its claim's lease was left to start the request; it goes out in a later hand-off",
    attempts: [],
    notStarted: true,
  };
}

/** One recipient and bodies within SendGrid's substitution limit (keys counted as sent, wrapped). */
function batchable(mail: OutgoingMail): boolean {
  if (mail.to.length !== 1) return false;
  const bytes = Buffer.byteLength(mail.text) + Buffer.byteLength(mail.html) + TEXT_KEY.length + HTML_KEY.length + 8;
  return bytes <= MAX_SUBSTITUTION_BYTES;
}

function describeFailure(error: unknown): Failure {
  const response = error as { code?: unknown; response?: { headers?: Record<string, unknown>; body?: unknown } };
  if (typeof response.code === 'number') {
    const statusCode = response.code;
    const retryable = statusCode === 429 || statusCode >= 500;
    const messages = sendGridMessages(response.response?.body);
    const reason = `SendGrid answered ${statusCode}${messages ? `: ${messages}` : ''}`;
    const retryAfter = statusCode === 429 ? retryAfterMs(headerValue(response.response?.headers, 'retry-after')) : undefined;
    return { statusCode, retryable, reason: reason.slice(0, 2000), ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { statusCode: null, retryable: true, reason: `SendGrid could not be reached: ${message}`.slice(0, 2000) };
}

/** SendGrid explains errors as {"errors":[{"message","field"}]}; the messages say what to fix. */
function sendGridMessages(body: unknown): string {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return '';
  return errors
    .map((e: { message?: unknown; field?: unknown }) =>
      typeof e?.message === 'string' ? `${e.message}${typeof e.field === 'string' ? ` (${e.field})` : ''}` : '',
    )
    .filter(Boolean)
    .join('; ');
}

function headerValue(headers: unknown, name: string): string | null {
  if (!headers || typeof headers !== 'object') return null;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key ? (headers as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' && value ? value : null;
}
