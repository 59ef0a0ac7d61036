/**
 * The wait all retries of one consumed chunk may share. Sends run concurrently, so a
 * SendGrid outage must not multiply the per-e-mail wait by the number of e-mails: once the
 * budget is spent, a failing e-mail is reported as failed instead of waiting further.
 */
export class RetryBudget {
  private readonly deadline: number;

  constructor(
    totalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + totalMs;
  }

  allows(delayMs: number): boolean {
    return this.now() + delayMs <= this.deadline;
  }
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: unknown, now: number = Date.now()): number | undefined {
  const value: unknown = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
