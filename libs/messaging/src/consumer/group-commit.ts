/** What became of a chunk handed to GroupCommit. */
export type GroupOutcome = 'committed' | 'failed' | 'abandoned';

/** A chunk handed to GroupCommit: its outcome, and a way out while it still waits for its turn. */
export interface GroupTicket {
  /** Settles once (never rejects). */
  readonly outcome: Promise<GroupOutcome>;
  /** Whether the chunk is still waiting for a transaction (not yet in one, not settled). */
  waiting(): boolean;
  /** Takes the chunk out of the queue untried ('abandoned') if it still waits there; false once it is in a transaction or settled. */
  withdraw(): boolean;
}

/**
 * How long a transaction in flight holds the chunks queued behind it. Past it, they start a
 * transaction of their own (together), so one slow transaction (a row lock held by an import
 * or a withdrawal, a slow outside call) never stops the consumer's other partitions.
 */
export const GROUP_COMMIT_OVERDUE_MS = 300;

export interface GroupCommitOptions {
  /** At most this many events per transaction (a chunk larger than that still goes, alone). */
  maxEvents: number;
  /** At most this many transactions at once: the partitions a consumer consumes concurrently. */
  maxInFlight: number;
  /** Waiting chunks start a transaction of their own once every transaction in flight has run this long. */
  overdueMs?: number;
}

interface Contribution<E> {
  events: E[];
  live(): boolean;
  state: 'queued' | 'in-flight' | 'settled';
  settle(outcome: GroupOutcome): void;
}

/**
 * Group commit ("natural batching") across the partitions of one consumer. While a transaction
 * is in flight, the chunks other partitions hand in wait; when it ends, everything waiting (up
 * to `maxEvents`) goes into the next transaction together. Nothing waits on a timer: a chunk
 * handed in while no transaction runs starts at the end of this turn of the event loop, with
 * whatever other partitions handed in during it.
 *
 * A transaction does not hold the others for long: once every transaction in flight has run
 * `overdueMs`, the chunks waiting start one of their own (together), up to `maxInFlight`
 * transactions at once, so the consumer never serves fewer partitions at once than one
 * transaction per partition would. A chunk handed in while only overdue transactions run
 * starts at once.
 *
 * A chunk learns whether the transaction that held it committed ('committed'; its offsets may
 * be committed now), failed ('failed'; nothing of it stayed, and it goes its own way: attempts,
 * splitting, dead letters, waits), or whether its batch stopped being the consumer's before its
 * turn came or it was withdrawn ('abandoned'; it was not tried).
 */
export class GroupCommit<E> {
  private readonly queue: Contribution<E>[] = [];
  /** When each transaction in flight started. */
  private readonly inFlight = new Set<{ startedAt: number }>();
  private timer?: NodeJS.Timeout;
  private gathering = false;
  private readonly maxEvents: number;
  private readonly maxInFlight: number;
  private readonly overdueMs: number;

  constructor(
    options: GroupCommitOptions,
    /** One transaction holding every event given, in the order given; throws when it rolled back. */
    private readonly commit: (events: E[], chunks: number) => Promise<void>,
  ) {
    this.maxEvents = options.maxEvents;
    this.maxInFlight = Math.max(1, options.maxInFlight);
    this.overdueMs = options.overdueMs ?? GROUP_COMMIT_OVERDUE_MS;
  }

  /** Hands in one chunk; `live` is asked just before the chunk joins a transaction. */
  submit(events: E[], live: () => boolean): GroupTicket {
    let settle!: (outcome: GroupOutcome) => void;
    const outcome = new Promise<GroupOutcome>((resolve) => (settle = resolve));
    const contribution: Contribution<E> = {
      events,
      live,
      state: 'queued',
      settle: (result) => {
        if (contribution.state === 'settled') return;
        contribution.state = 'settled';
        settle(result);
      },
    };
    this.queue.push(contribution);
    if (this.inFlight.size === 0) this.gatherThisTurn();
    else if (!this.gathering) this.pump();
    return {
      outcome,
      waiting: () => contribution.state === 'queued',
      withdraw: () => {
        if (contribution.state !== 'queued') return false;
        this.queue.splice(this.queue.indexOf(contribution), 1);
        contribution.settle('abandoned');
        return true;
      },
    };
  }

  /**
   * With nothing in flight, the first chunk waits for the rest of this turn of the event loop
   * (setImmediate: no timer, well under a millisecond), so the partitions of one fetch, which
   * kafkajs hands in together, share one transaction instead of the first going alone and the
   * others after it: one transaction per fetch, not two, between a fetch and the next.
   */
  private gatherThisTurn(): void {
    if (this.gathering) return;
    this.gathering = true;
    setImmediate(() => {
      this.gathering = false;
      this.pump();
    });
  }

  /** Starts transactions for the waiting chunks while the rules allow; otherwise sets a timer for when they will. */
  private pump(): void {
    while (this.queue.length > 0) {
      const wait = this.waitBeforeNext();
      if (wait === undefined) return; // the cap: a transaction's end pumps again
      if (wait > 0) {
        this.wake(wait);
        return;
      }
      const group = this.take();
      if (group.length > 0) void this.run(group);
    }
  }

  /** 0: a transaction may start now; n: in n ms (the youngest in flight is overdue then); undefined: not until one ends. */
  private waitBeforeNext(): number | undefined {
    if (this.inFlight.size === 0) return 0;
    if (this.inFlight.size >= this.maxInFlight) return undefined;
    const youngest = Math.max(...[...this.inFlight].map((t) => t.startedAt));
    return Math.max(0, youngest + this.overdueMs - Date.now());
  }

  private wake(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
    this.timer.unref();
  }

  private async run(group: Contribution<E>[]): Promise<void> {
    const transaction = { startedAt: Date.now() };
    this.inFlight.add(transaction);
    let outcome: GroupOutcome = 'committed';
    try {
      await this.commit(
        group.flatMap((c) => c.events),
        group.length,
      );
    } catch {
      outcome = 'failed';
    } finally {
      this.inFlight.delete(transaction);
    }
    for (const c of group) c.settle(outcome);
    this.pump();
  }

  /** The chunks waiting, oldest first, while they fit in `maxEvents` (the first always does). */
  private take(): Contribution<E>[] {
    const group: Contribution<E>[] = [];
    let events = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (group.length > 0 && events + next.events.length > this.maxEvents) break;
      this.queue.shift();
      let live = false;
      try {
        live = next.live();
      } catch {
        live = false;
      }
      if (!live) {
        next.settle('abandoned');
        continue;
      }
      next.state = 'in-flight';
      group.push(next);
      events += next.events.length;
    }
    return group;
  }
}
