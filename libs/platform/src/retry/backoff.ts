/**
 * Retry plumbing shared by every service and the messaging library: a backoff policy, the delay
 * it gives for a try, a sleep a stopping caller can cut short, and an error's one-line name.
 * Nothing here knows about Kafka; a service that retries an HTTP call (notification's SendGrid
 * delivery) uses it as much as the consumer runner does.
 */
export interface RetryPolicy {
  /** Tries of a failure that is not known to be transient before the message is dead-lettered. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Backoff cap while a dependency is away; those tries have no limit. Default 30 s. */
  transientMaxDelayMs?: number;
}

/** Exponential backoff with full jitter, so instances that failed together retry apart. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts (a consumer stopping). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
