// Lets tests make the sink misbehave like SendGrid under load or outage:
// "the next N send requests answer 400/429/500/503". Faults queue up in the order
// they were scheduled and are consumed one send request at a time.
import { isJsonObject } from './json-guards';

export const INJECTABLE_STATUSES = [400, 429, 500, 503] as const;
export type InjectableStatus = (typeof INJECTABLE_STATUSES)[number];

export interface FaultSpec {
  status: InjectableStatus;
  /** How many consecutive send requests fail; default 1. */
  count?: number;
  /** Seconds for the Retry-After header (only sent with 429). */
  retryAfter?: number;
}

/** One failure handed to a single send request. */
export interface Fault {
  status: InjectableStatus;
  retryAfter?: number;
}

interface PendingFault {
  status: InjectableStatus;
  remaining: number;
  retryAfter?: number;
}

export class FaultInjector {
  private readonly queue: PendingFault[] = [];

  /** Queues a fault; throws RangeError for a spec the HTTP endpoint would reject. */
  schedule(spec: FaultSpec): void {
    const checked = parseFaultSpec(spec);
    if (typeof checked === 'string') throw new RangeError(checked);
    this.queue.push({ status: checked.status, remaining: checked.count ?? 1, retryAfter: checked.retryAfter });
  }

  /** The fault for the current send request, if any; consumes it. */
  take(): Fault | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) this.queue.shift();
    return { status: head.status, ...(head.retryAfter !== undefined ? { retryAfter: head.retryAfter } : {}) };
  }

  /** Failures still to be served, summed over all scheduled faults. */
  get pendingCount(): number {
    return this.queue.reduce((sum, fault) => sum + fault.remaining, 0);
  }

  clear(): void {
    this.queue.length = 0;
  }
}

function isInjectableStatus(value: unknown): value is InjectableStatus {
  return INJECTABLE_STATUSES.some((allowed) => allowed === value);
}

/** Parses the JSON of POST /__control/fail; returns an error text if invalid. */
export function parseFaultSpec(body: unknown): FaultSpec | string {
  if (!isJsonObject(body)) return 'body must be a JSON object';
  const { status, count, retryAfter } = body;
  if (!isInjectableStatus(status)) {
    return `status must be one of ${INJECTABLE_STATUSES.join(', ')}`;
  }
  if (count !== undefined && !(Number.isInteger(count) && Number(count) >= 1)) {
    return 'count must be a positive integer';
  }
  if (retryAfter !== undefined && !(Number.isInteger(retryAfter) && Number(retryAfter) >= 0)) {
    return 'retryAfter must be a non-negative integer (seconds)';
  }
  return {
    status,
    ...(count !== undefined ? { count: Number(count) } : {}),
    ...(retryAfter !== undefined ? { retryAfter: Number(retryAfter) } : {}),
  };
}
