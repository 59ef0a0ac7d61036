// In-memory, bounded list of accepted e-mails (one per personalization of a
// request). The sink may run for a whole demo or load test, so it drops the
// oldest messages past `maxMessages` instead of growing without limit.
import type { StoredMessage } from './stored-message';

export const DEFAULT_MAX_MESSAGES = 10_000;

export interface MessageFilter {
  /** Matches any to/cc/bcc recipient, case-insensitively. */
  to?: string;
  /** Only messages received at or after this instant. */
  since?: Date;
}

export class MessageStore {
  // Insertion order is arrival order, so the array is oldest-first.
  private readonly messages: StoredMessage[] = [];
  private readonly byId = new Map<string, StoredMessage>();

  constructor(readonly maxMessages: number = DEFAULT_MAX_MESSAGES) {
    if (!Number.isInteger(maxMessages) || maxMessages < 1) {
      throw new RangeError(`maxMessages must be a positive integer, got ${maxMessages}`);
    }
  }

  add(message: StoredMessage): void {
    this.messages.push(message);
    this.byId.set(message.id, message);
    // splice rather than shift-in-a-loop: one O(n) move even after a burst.
    const excess = this.messages.length - this.maxMessages;
    if (excess > 0) {
      for (const dropped of this.messages.splice(0, excess)) this.byId.delete(dropped.id);
    }
  }

  /** Matching messages, oldest first (newest last). */
  list(filter: MessageFilter = {}): StoredMessage[] {
    const to = filter.to?.toLowerCase();
    const since = filter.since?.getTime();
    return this.messages.filter(
      (m) =>
        (to === undefined || [...m.to, ...m.cc, ...m.bcc].some((r) => r.toLowerCase() === to)) && (since === undefined || Date.parse(m.receivedAt) >= since),
    );
  }

  get(id: string): StoredMessage | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.messages.length;
  }

  clear(): void {
    this.messages.length = 0;
    this.byId.clear();
  }
}
