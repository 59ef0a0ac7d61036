import type { DataSource } from 'typeorm';
import type { Producer, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { SecretBox } from '@keypool/platform';
import { cloudEventHeaders } from '../envelope';

export interface OutboxRelayOptions {
  batchSize: number;
  sweepMs: number;
  retentionMs: number;
  /** Identifies this service's relay lock; instances of one service share it. */
  lockId: number;
}

interface OutboxRow {
  seq: string;
  aggregate_id: string;
  topic: string;
  payload: Buffer;
}

/**
 * Publishes committed outbox rows to Kafka. `wake()` after a commit publishes at once; the
 * sweep catches whatever a crash left behind. One relay per service publishes at a time
 * (advisory lock), which keeps per-key order across instances; a crash between send and
 * mark re-publishes, and consumers de-duplicate by event id.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;
  private lastPrune = 0;
  published = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: Producer,
    private readonly cipher: SecretBox,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.sweepMs);
    this.timer.unref();
    this.wake();
  }

  /** Coalesces wake-ups: at most one drain runs, and one more follows if woken meanwhile. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drainLoop().finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.draining;
  }

  /** Publishes until the outbox is empty; for tests and shutdown. */
  async drain(): Promise<void> {
    await this.draining;
    await this.drainLoop();
  }

  private async drainLoop(): Promise<void> {
    try {
      while (!this.stopped && (await this.publishBatch()) === this.options.batchSize) {
        // a full batch means more may be waiting
      }
      await this.pruneOccasionally();
    } catch (error) {
      this.logger.error({ err: error }, 'outbox relay failed; the sweep will retry');
    }
  }

  private async publishBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [this.options.lockId]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await manager.query(
        `SELECT seq, aggregate_id, topic, payload FROM outbox
          WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      await this.producer.sendBatch({ topicMessages: this.toTopicMessages(rows), acks: -1 });
      await manager.query('UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
      this.published += rows.length;
      return rows.length;
    });
  }

  private toTopicMessages(rows: OutboxRow[]): TopicMessages[] {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      const entry = byTopic.get(row.topic) ?? { topic: row.topic, messages: [] };
      entry.messages.push({ key: row.aggregate_id, value: this.cipher.decrypt(row.payload), headers: cloudEventHeaders() });
      byTopic.set(row.topic, entry);
    }
    return [...byTopic.values()];
  }

  private async pruneOccasionally(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < this.options.retentionMs / 4) return;
    this.lastPrune = now;
    await this.dataSource.query(`DELETE FROM outbox WHERE published_at < now() - ($1 || ' milliseconds')::interval`, [
      String(this.options.retentionMs),
    ]);
  }
}
