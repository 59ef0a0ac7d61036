/**
 * The broker's per-record refusals: sending the same record again can never succeed. kafkajs
 * retries CORRUPT_MESSAGE before giving up, so the refusal may sit in the error's causes.
 * Anything else (broker away, timeouts, no leader, authorization, a sequence gone wrong) is a
 * fault of the surroundings that retrying later cures, and must never park a row.
 */
const REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

interface KafkaErrorLike {
  type?: unknown;
  cause?: unknown;
  originalError?: unknown;
}

/** The refusal's type (e.g. MESSAGE_TOO_LARGE) when the broker refused the records themselves. */
export function brokerRefusal(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let link = error; link !== null && typeof link === 'object' && !seen.has(link);) {
    seen.add(link);
    const { type, cause, originalError } = link as KafkaErrorLike;
    if (typeof type === 'string' && REFUSALS.has(type)) return type;
    link = cause ?? originalError;
  }
  return undefined;
}
