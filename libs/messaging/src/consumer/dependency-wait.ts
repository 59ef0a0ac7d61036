import type { Counter, Gauge } from 'prom-client';
import type { Logger } from 'pino';

export interface DependencyWaitMetrics {
  waiting: Gauge<string>;
  transientFailures: Counter<string>;
}

const LOG_EVERY_MS = 60000;

/**
 * What one consumer is waiting for while a dependency is away. Several partitions (and the
 * Kafka client itself) can wait at once, each under its own key; the consumer waits while any
 * does. It logs the first failure at once, then at most once a minute, then one "recovered"
 * line: an outage of an hour is a few dozen lines, not one per message.
 */
export class DependencyWait {
  private readonly waits = new Map<string, string>();
  private since = 0;
  private lastLogAt = 0;

  constructor(
    private readonly consumer: string,
    private readonly logger: Logger,
    private readonly metrics: DependencyWaitMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  get waiting(): boolean {
    return this.waits.size > 0;
  }

  /** What it waits on and for how long, for readiness; undefined while nothing waits. */
  get reason(): string | undefined {
    if (!this.waiting) return undefined;
    return `${[...new Set(this.waits.values())].join('; ')} (for ${this.seconds()} s)`;
  }

  failed(key: string, reason: string): void {
    this.metrics.transientFailures.inc({ consumer: this.consumer });
    const first = !this.waiting;
    this.waits.set(key, reason);
    const now = this.now();
    if (first) {
      this.since = now;
      this.metrics.waiting.set({ consumer: this.consumer }, 1);
      this.logger.warn({ consumer: this.consumer, reason }, 'consumer waits for a dependency; nothing is dead-lettered meanwhile');
    } else if (now - this.lastLogAt >= LOG_EVERY_MS) {
      this.logger.warn({ consumer: this.consumer, reason, waitingSeconds: this.seconds() }, 'consumer still waits for a dependency');
    } else {
      return;
    }
    this.lastLogAt = now;
  }

  recovered(key: string): void {
    if (!this.waits.delete(key) || this.waiting) return;
    this.metrics.waiting.set({ consumer: this.consumer }, 0);
    this.logger.info({ consumer: this.consumer, waitedSeconds: this.seconds() }, `consumer recovered after ${this.seconds()} s`);
  }

  private seconds(): number {
    return Math.round((this.now() - this.since) / 1000);
  }
}
