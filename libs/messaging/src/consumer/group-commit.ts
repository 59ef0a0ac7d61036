/** What became of a chunk handed to GroupCommit. */
export type GroupOutcome = 'committed' | 'failed' | 'abandoned';

interface Contribution<E> {
  events: E[];
  live(): boolean;
  settle(outcome: GroupOutcome): void;
}

/**
 * Group commit ("natural batching") across the partitions of one consumer. While a transaction
 * is in flight, the chunks other partitions hand in wait; when it ends, everything waiting (up
 * to `maxEvents`) goes into the next transaction together. Nothing waits on a timer: a chunk
 * handed in while no transaction runs starts at once, alone.
 *
 * A chunk learns whether the transaction that held it committed ('committed'; its offsets may
 * be committed now), failed ('failed'; nothing of it stayed, and it goes its own way: attempts,
 * splitting, dead letters, waits), or whether its batch stopped being the consumer's before its
 * turn came ('abandoned'; it was not tried).
 */
export class GroupCommit<E> {
  private readonly queue: Contribution<E>[] = [];
  private running = false;

  constructor(
    private readonly maxEvents: number,
    /** One transaction holding every event given, in the order given; throws when it rolled back. */
    private readonly commit: (events: E[], chunks: number) => Promise<void>,
  ) {}

  /** Hands in one chunk; `live` is asked just before the chunk joins a transaction. */
  submit(events: E[], live: () => boolean): Promise<GroupOutcome> {
    return new Promise<GroupOutcome>((settle) => {
      this.queue.push({ events, live, settle });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = this.take();
        if (group.length === 0) continue;
        let outcome: GroupOutcome = 'committed';
        try {
          await this.commit(
            group.flatMap((c) => c.events),
            group.length,
          );
        } catch {
          outcome = 'failed';
        }
        for (const c of group) c.settle(outcome);
      }
    } finally {
      this.running = false;
    }
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
      group.push(next);
      events += next.events.length;
    }
    return group;
  }
}
