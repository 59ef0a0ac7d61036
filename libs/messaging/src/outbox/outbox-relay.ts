import type { DataSource } from 'typeorm';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import { UnknownKeyIdError, type Metrics, type SecretBox } from '@keypool/platform';
import { outboxPayloadContext } from './outbox-sealing';
import { CoalescedRuns } from '../coalesced-runs';
import { cloudEventHeaders } from '../envelope';
import { brokerRefusal } from './broker-refusal';
import { DEFAULT_MAX_RECORD_BYTES, DEFAULT_SEND_LIMITS, SendLimits, planSends, recordBytes } from './send-plan';
import { TopicPartitions } from './topic-partitions';
import type { SimpleQueryClient } from '../transactions';

export interface OutboxRelayOptions {
  batchSize: number;
  sweepMs: number;
  /** Identifies this service's relay lock; instances of one service share it. */
  lockId: number;
  /** Bytes one partition may get in one send; default 512 KiB. */
  maxPartitionBytes?: number;
  /** Bytes of one send; default 4 MiB. */
  maxSendBytes?: number;
  /** A record over this is parked unsent; default the broker's default `message.max.bytes`. */
  maxRecordBytes?: number;
  /** Longest wait between attempts while the broker is away; default 10 s. */
  maxBackoffMs?: number;
}

interface OutboxRow {
  seq: string;
  id: string;
  aggregate_id: string;
  topic: string;
  payload: Buffer;
}

interface Outgoing {
  row: OutboxRow;
  message: Message;
  bytes: number;
  partition: string;
}

/** What one batch did. Rows published or parked before a send failed are marked all the same. */
interface BatchOutcome {
  claimed: number;
  published: string[];
  parked: { row: OutboxRow; reason: string }[];
  waitingForKey?: UnknownKeyIdError;
  failure?: unknown;
}

const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Publishes committed outbox rows to Kafka. `wake()` after a commit publishes at once; the
 * sweep catches whatever a crash left behind. One relay per service publishes at a time
 * (advisory lock), which keeps per-key order across instances; a crash between send and
 * mark re-publishes, and consumers de-duplicate by event id.
 *
 * It never stalls on one row: sends are capped in bytes (see `planSends`), and a row that can
 * never be sent (unreadable, too large, refused by the broker when sent alone) is parked with
 * its reason while the rest flows, later rows of its key included. A broker that is away parks
 * nothing: the relay retries with capped backoff and drains by itself once it is back.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private readonly runs = new CoalescedRuns(
    () => this.drainLoop(),
    () => !this.stopped && !this.backingOff,
  );
  private stopped = false;
  private backingOff = false;
  private failures = 0;
  private lastErrorLog = -Infinity;
  private suppressedErrors = 0;
  private readonly partitions: TopicPartitions;
  private readonly limits: SendLimits;
  private readonly maxRecordBytes: number;
  published = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: Producer,
    private readonly cipher: SecretBox,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
    kafka: Pick<Kafka, 'admin'>,
    metrics: Metrics,
  ) {
    this.partitions = new TopicPartitions(kafka);
    this.limits = {
      maxPartitionBytes: options.maxPartitionBytes ?? DEFAULT_SEND_LIMITS.maxPartitionBytes,
      maxSendBytes: options.maxSendBytes ?? DEFAULT_SEND_LIMITS.maxSendBytes,
    };
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    metrics.gauge('keypool_outbox_parked', 'Outbox events parked because they can never be published', [], async function () {
      // A scrape while the database is away keeps the last figure rather than failing.
      const rows = await dataSource.query<{ count: number }[]>('SELECT count(*)::int AS count FROM outbox WHERE parked_at IS NOT NULL').catch(() => undefined);
      if (rows) this.set(rows[0].count);
    });
  }

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.sweepMs);
    this.timer.unref();
    this.wake();
  }

  /** Coalesces wake-ups: at most one drain runs, and one more follows if woken meanwhile. */
  wake(): void {
    this.runs.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.runs.settled();
  }

  /** Publishes until the outbox is empty; for tests and shutdown. */
  async drain(): Promise<void> {
    await this.runs.settled();
    await this.drainLoop();
  }

  private async drainLoop(): Promise<void> {
    try {
      while (!this.stopped) {
        const outcome = await this.publishBatch();
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the publish's own error, caught and passed on as it was
        if (outcome.failure) throw outcome.failure;
        if (outcome.waitingForKey) this.logThrottled(outcome.waitingForKey, 'outbox events wait for an encryption key that is not configured');
        const progressed = outcome.published.length + outcome.parked.length > 0;
        if (outcome.claimed < this.options.batchSize || !progressed) break;
      }
      this.recovered();
    } catch (error) {
      this.backOff(error);
    }
  }

  /**
   * One batch in one transaction of two round trips: BEGIN with the read (which takes the relay
   * lock first), then, after the sends, the marks of what was published or parked with COMMIT.
   * No row is locked while records travel to the broker, so no writer ever waits for a send; a
   * crash before COMMIT leaves every row unpublished: nothing is lost, at worst sent twice.
   */
  private async publishBatch(): Promise<BatchOutcome> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as SimpleQueryClient;
    let batch: BatchOutcome;
    let open = false;
    try {
      open = true;
      batch = await this.readAndSend(client);
      await client.query(`${this.marks(batch, client)}COMMIT`);
      open = false;
    } catch (error) {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
    this.published += batch.published.length;
    for (const { row, reason } of batch.parked) {
      this.logger.error(
        { outboxSeq: row.seq, eventId: row.id, topic: row.topic, key: row.aggregate_id, reason },
        'outbox event parked: it will not be published until released',
      );
    }
    return batch;
  }

  private async readAndSend(client: SimpleQueryClient): Promise<BatchOutcome> {
    // The lock is the query's one-time filter, taken before the scan; another instance holding it
    // reads nothing. Both figures are whole numbers of ours, so the text carries them as they are.
    // A plain read: an event id re-published meanwhile gets a new seq (ON CONFLICT), so the mark
    // below, by seq, leaves its new copy unpublished, to go out again in a later batch.
    const read = await client.query(
      `BEGIN; SELECT seq, id, aggregate_id, topic, payload FROM outbox
        WHERE published_at IS NULL AND parked_at IS NULL AND (SELECT pg_try_advisory_xact_lock(${Math.trunc(this.options.lockId)}))
        ORDER BY seq LIMIT ${Math.trunc(this.options.batchSize)}`,
    );
    const rows = (Array.isArray(read) ? read[read.length - 1] : read).rows as unknown as OutboxRow[];
    const batch: BatchOutcome = { claimed: rows.length, published: [], parked: [] };
    try {
      const ready = this.prepare(rows, batch);
      if (ready.length > 0) {
        const partitionOf = await this.partitions.resolve(ready.map((r) => r.row.topic));
        for (const record of ready) record.partition = partitionOf(record.row.topic, record.row.aggregate_id);
        for (const send of planSends(ready, this.limits)) await this.send(send, batch);
      }
    } catch (error) {
      batch.failure = error;
    }
    return batch;
  }

  /** Statements (each ending in "; ") that mark the published rows and park the parked, for COMMIT to carry. */
  private marks(batch: BatchOutcome, client: SimpleQueryClient): string {
    // seq comes from a bigint column: digits only.
    const seq = (value: string) => String(BigInt(value));
    let statements = '';
    if (batch.published.length > 0) statements += `UPDATE outbox SET published_at = now() WHERE seq IN (${batch.published.map(seq).join(', ')}); `;
    if (batch.parked.length > 0) {
      // A reason is our own words around an error's; PostgreSQL text holds no NUL.
      const values = batch.parked.map((p) => `(${seq(p.row.seq)}, ${client.escapeLiteral(p.reason.replace(/\0/g, ''))})`).join(', ');
      statements += `UPDATE outbox SET parked_at = now(), park_reason = parked.reason
        FROM (VALUES ${values}) AS parked (seq, reason) WHERE outbox.seq = parked.seq; `;
    }
    return statements;
  }

  /**
   * Opens each row. An unreadable payload is parked; one sealed with a key id that is not
   * configured waits (a configuration fault, not the row's), and so do the later rows of its
   * key, so that the key's order holds once the key is configured.
   */
  private prepare(rows: OutboxRow[], batch: BatchOutcome): Outgoing[] {
    const ready: Outgoing[] = [];
    const waiting = new Set<string>();
    for (const row of rows) {
      // A key waits only after a missing encryption key, which is rare: its name is built only then.
      if (waiting.size > 0 && waiting.has(aggregateOf(row))) continue;
      let value: Buffer;
      try {
        value = this.cipher.decrypt(row.payload, outboxPayloadContext(row.id));
      } catch (error) {
        if (error instanceof UnknownKeyIdError) {
          waiting.add(aggregateOf(row));
          batch.waitingForKey ??= error;
        } else {
          batch.parked.push({ row, reason: `its payload cannot be decrypted: ${error instanceof Error ? error.message : String(error)}` });
        }
        continue;
      }
      const headers = cloudEventHeaders();
      const bytes = recordBytes(row.aggregate_id, value, headers);
      if (bytes > this.maxRecordBytes) {
        batch.parked.push({ row, reason: `it is ${bytes} bytes as a Kafka record, over the ${this.maxRecordBytes} bytes one record may have` });
        continue;
      }
      ready.push({ row, message: { key: row.aggregate_id, value, headers }, bytes, partition: '' });
    }
    return ready;
  }

  /**
   * Sends records in one request. When the broker refuses records in it, the parts are sent
   * again until the refused record is alone, and parked. kafkajs rolls back the sequence
   * numbers of every partition in a failed request, also of those the broker had appended, so
   * the first cut is by partition: each partition's records again exactly as before, which the
   * broker recognises as duplicates (any other cut would be out of sequence); then halves.
   */
  private async send(records: Outgoing[], batch: BatchOutcome): Promise<void> {
    try {
      await this.producer.sendBatch({ topicMessages: toTopicMessages(records), acks: -1 });
      batch.published.push(...records.map((r) => r.row.seq));
    } catch (error) {
      const refusal = brokerRefusal(error);
      if (!refusal) throw error;
      if (records.length === 1) {
        batch.parked.push({ row: records[0].row, reason: `the broker refused it: ${refusal}` });
        return;
      }
      for (const part of splitRefused(records)) await this.send(part, batch);
    }
  }

  /** Capped exponential backoff; wake-ups wait for it, so a broker outage costs no busy loop. */
  private backOff(error: unknown): void {
    this.failures += 1;
    const delay = Math.min(this.options.sweepMs * 2 ** Math.min(this.failures - 1, 20), this.options.maxBackoffMs ?? 10_000);
    this.backingOff = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.backingOff = false;
      this.wake();
    }, delay);
    this.retryTimer.unref();
    this.logThrottled(error, 'outbox relay cannot publish; it retries with backoff', { failures: this.failures, retryInMs: delay });
  }

  private recovered(): void {
    if (this.failures === 0) return;
    this.logger.info({ failures: this.failures }, 'outbox relay publishes again');
    this.failures = 0;
  }

  /** At most one error line a minute, however often the sweep meets the same outage. */
  private logThrottled(error: unknown, message: string, extra: Record<string, unknown> = {}): void {
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) {
      this.suppressedErrors += 1;
      return;
    }
    this.logger.error({ err: error, ...extra, suppressedSinceLastLog: this.suppressedErrors }, message);
    this.lastErrorLog = now;
    this.suppressedErrors = 0;
  }
}

/** Names a row's key within its topic, for the keys that wait. */
function aggregateOf(row: OutboxRow): string {
  return `${row.topic}\u0000${row.aggregate_id}`;
}

function toTopicMessages(records: Outgoing[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const { row, message } of records) {
    const entry = byTopic.get(row.topic) ?? { topic: row.topic, messages: [] };
    entry.messages.push(message);
    byTopic.set(row.topic, entry);
  }
  return [...byTopic.values()];
}

/** Each partition's records as they were, or, within one partition, the two halves in order. */
function splitRefused(records: Outgoing[]): Outgoing[][] {
  const byPartition = new Map<string, Outgoing[]>();
  for (const record of records) {
    const share = byPartition.get(record.partition) ?? [];
    share.push(record);
    byPartition.set(record.partition, share);
  }
  if (byPartition.size > 1) return [...byPartition.values()];
  const middle = Math.ceil(records.length / 2);
  return [records.slice(0, middle), records.slice(middle)];
}
