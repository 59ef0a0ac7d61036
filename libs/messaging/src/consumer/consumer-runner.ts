import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { firstDeliveriesOpening } from '../inbox/inbox';
import type { Transactions, Tx } from '../transactions';
import { sendToDeadLetterTopic } from './dead-letters';
import { DependencyWait } from './dependency-wait';
import { classifyFailure } from './failure-class';
import type { EventDecoder, InboundEvent } from './inbound-event';
import { ConsumerMetrics } from './consumer-metrics';
import { GroupCommit, type GroupOutcome, type GroupTicket } from './group-commit';
import { type RetryPolicy, backoffDelay, describeError, sleep } from '@keypool/platform';

export interface ConsumerDefinition<D = Record<string, unknown>> {
  /** Names the consumer in the inbox, logs and metrics. */
  name: string;
  /** Named after the topics it reads; contractTopicConsumer() does that for one topic. */
  groupId: string;
  topics: string[];
  decode: EventDecoder<D>;
  /**
   * Runs inside one transaction with only first deliveries; must not swallow errors. With group
   * commit the events may come from several partitions (each partition's in offset order).
   */
  handle(events: InboundEvent<D>[], tx: Tx): Promise<void>;
  /** Events of one partition per chunk (default 200). */
  maxBatchSize?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * Group commit (default on): chunks that other partitions hand in while a transaction is in
   * flight go into the next transaction together, at most maxBatchSize × partitionsConsumedConcurrently
   * events. A transaction that has run GROUP_COMMIT_OVERDUE_MS no longer holds them: they start
   * their own (at most partitionsConsumedConcurrently at once). A transaction of several chunks
   * waits at most GROUP_LOCK_TIMEOUT_MS for a row lock; one that fails (that included) is tried
   * again chunk by chunk, so each member chunk's handler work runs again.
   * Off (`false`): one transaction per chunk, partitions side by side, no lock bound. Turn it off
   * for a handler with effects outside the transaction (an e-mail sent, a call made), which a
   * failed shared transaction would repeat for every chunk in it.
   */
  groupCommit?: boolean;
  fromBeginning?: boolean;
}

export interface ConsumerRunnerDeps {
  kafka: Kafka;
  producer: Producer;
  transactions: Transactions;
  logger: Logger;
  retry: RetryPolicy;
  metrics: ConsumerMetrics;
  /** Names a dependency that does not answer (undefined when all do); asked before an unexplained failure is dead-lettered. */
  dependencyDown(): Promise<string | undefined>;
  /** Called when the consumer dies of something no retry can repair; services exit so the orchestrator restarts them. */
  onFatal: (error: unknown) => void;
}

export type ConsumerState = 'idle' | 'running' | 'waiting' | 'crashed' | 'stopped';

type Outcome = { ok: true } | { ok: false; reason: string; attempts: number };

/** The batch is no longer this consumer's to finish (stopping, or seeked); its offsets stay uncommitted. */
class BatchAbandoned extends Error {}

/** One partition's batch as the runner works on it. */
interface BatchScope {
  topic: string;
  partition: number;
  /** Names the partition's wait in DependencyWait. */
  key: string;
  /** False once the batch is no longer ours (stopping, or seeked). */
  live(): boolean;
  ensureLive(): void;
  heartbeat(): Promise<void>;
}

const DEFAULT_TRANSIENT_MAX_DELAY_MS = 30000;
// Below the 3 s heartbeat interval, so a long backoff never lets the group session lapse.
const HEARTBEAT_SLICE_MS = 2500;
/**
 * How long a transaction of several chunks waits for a row lock (lock_timeout) before it rolls
 * back and each chunk goes its own way: one chunk waiting on a lock (an import's or a
 * withdrawal's pool lock) then holds only itself, not the other partitions' chunks beside it.
 */
export const GROUP_LOCK_TIMEOUT_MS = 1000;
// SQLSTATE lock_not_available: what lock_timeout raises.
const LOCK_NOT_AVAILABLE = '55P03';
// kafkajs reports a group that moved on with these; the batch must be given up, not committed.
const GROUP_CHANGES = new Set([
  'REBALANCE_IN_PROGRESS',
  'UNKNOWN_MEMBER_ID',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'FENCED_INSTANCE_ID',
]);

/**
 * Consumes whole batches per partition, processes them in chunks (one database transaction
 * each, inbox included) and commits offsets only after the transaction commits. A chunk that
 * keeps failing for no known reason is split so one poison message cannot hold back its
 * neighbours. A failure that says a dependency is away (classifyFailure) is never a reason to
 * dead-letter: the chunk waits, with capped backoff, until the dependency is back.
 *
 * Group commit (GroupCommit, on unless the definition says groupCommit: false): a chunk's first
 * try shares a transaction with the chunks other partitions handed in while the previous one was
 * in flight — one inbox claim, one handler call, one outbox insert — instead of queueing behind
 * it on the same row locks. Each partition commits its own offsets once that transaction has
 * committed. If it fails, every chunk in it goes the per-chunk way above on its own (so a chunk
 * whose first try failed gets that one try more than maxAttempts). A slow transaction holds the
 * chunks behind it only GROUP_COMMIT_OVERDUE_MS; then they start their own, so one lock wait or
 * slow handler never stops the other partitions. Chunks waiting on a group outcome heartbeat.
 */
export class ConsumerRunner<D = Record<string, unknown>> {
  private consumer?: Consumer;
  private lifecycle: 'idle' | 'running' | 'crashed' | 'stopped' = 'idle';
  private readonly stopping = new AbortController();
  private readonly wait: DependencyWait;
  private readonly group?: GroupCommit<InboundEvent<D>>;

  constructor(
    private readonly deps: ConsumerRunnerDeps,
    private readonly definition: ConsumerDefinition<D>,
  ) {
    this.wait = new DependencyWait(definition.name, deps.logger, deps.metrics);
    if (definition.groupCommit ?? true) {
      const maxEvents = this.chunkSize() * this.concurrentPartitions();
      this.group = new GroupCommit({ maxEvents, maxInFlight: this.concurrentPartitions() }, (events, chunks) => this.commitGroup(events, chunks));
    }
  }

  get name(): string {
    return this.definition.name;
  }

  get state(): ConsumerState {
    return this.lifecycle === 'running' && this.wait.waiting ? 'waiting' : this.lifecycle;
  }

  /** What the consumer waits on and for how long, while its state is `waiting`. */
  get waitingOn(): string | undefined {
    return this.wait.reason;
  }

  async start(): Promise<void> {
    await this.launch();
    this.lifecycle = 'running';
  }

  /** Lets the in-flight chunk finish and commit (a chunk waiting for a dependency gives up uncommitted), then leaves the group. */
  async stop(): Promise<void> {
    if (this.stopped()) return;
    this.lifecycle = 'stopped';
    this.stopping.abort();
    await this.consumer?.disconnect();
  }

  private async launch(): Promise<void> {
    const consumer = this.deps.kafka.consumer({
      groupId: this.definition.groupId,
      sessionTimeout: 30000,
      // A short long-poll keeps shutdown and rebalances quick; data still arrives as soon as it exists.
      maxWaitTimeInMs: 1000,
      heartbeatInterval: 3000,
      // kafkajs restarts a consumer that crashed on a broker that is away, with its own backoff.
      retry: { retries: 8, restartOnFailure: (error) => Promise.resolve(classifyFailure(error) === 'transient') },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => this.crashed(consumer, payload.error, payload.restart));
    consumer.on(consumer.events.GROUP_JOIN, () => this.wait.recovered('kafka'));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.definition.topics, fromBeginning: this.definition.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.concurrentPartitions(),
        eachBatch: (payload) => this.eachBatch(consumer, payload),
      });
    } catch (error) {
      // A launch that failed half way (the broker went away) leaves nothing connected behind it.
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  private crashed(consumer: Consumer, error: Error, kafkaRestarts: boolean): void {
    if (this.stopped() || consumer !== this.consumer) return;
    const reason = `kafka: ${describeError(error)}`;
    if (kafkaRestarts) {
      this.wait.failed('kafka', reason);
      return;
    }
    if (classifyFailure(error) === 'transient') {
      this.wait.failed('kafka', reason);
      void this.relaunch();
      return;
    }
    this.lifecycle = 'crashed';
    this.deps.logger.fatal(
      { consumer: this.definition.name, reason },
      'consumer crashed with an error no retry can repair (not a connection or retriable broker error)',
    );
    this.deps.onFatal(error);
  }

  /** kafkajs gave up on a cause that is still a broker away: start a fresh client after a capped backoff. */
  private async relaunch(): Promise<void> {
    const old = this.consumer;
    for (let attempt = 1; !this.stopped(); attempt++) {
      await sleep(backoffDelay(this.transientPolicy(), attempt), this.stopping.signal);
      if (this.stopped()) return;
      await old?.disconnect().catch(() => undefined);
      try {
        await this.launch();
        if (this.stopped()) await this.consumer?.disconnect();
        return;
      } catch (error) {
        this.wait.failed('kafka', `kafka: ${describeError(error)}`);
      }
    }
  }

  private stopped(): boolean {
    return this.lifecycle === 'stopped';
  }

  private async eachBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const scope = this.scope(payload);
    const size = this.chunkSize();
    try {
      for (let start = 0; start < batch.messages.length; start += size) {
        scope.ensureLive();
        const chunk = batch.messages.slice(start, start + size);
        await this.processChunk(scope, chunk);
        const last = chunk[chunk.length - 1].offset;
        payload.resolveOffset(last);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        await scope.heartbeat();
      }
    } catch (error) {
      if (error instanceof BatchAbandoned) return;
      throw error;
    }
  }

  private chunkSize(): number {
    return this.definition.maxBatchSize ?? 200;
  }

  private concurrentPartitions(): number {
    return this.definition.partitionsConsumedConcurrently ?? 3;
  }

  private scope(payload: EachBatchPayload): BatchScope {
    const { batch } = payload;
    const live = () => !this.stopped() && payload.isRunning() && !payload.isStale();
    return {
      topic: batch.topic,
      partition: batch.partition,
      key: `${batch.topic}:${batch.partition}`,
      live,
      ensureLive: () => {
        if (!live()) throw new BatchAbandoned();
      },
      heartbeat: async () => {
        try {
          await payload.heartbeat();
        } catch (error) {
          // The group moved on: kafkajs rejoins on this error and the partition's new owner
          // redelivers from the last commit. Any other heartbeat failure is a broker away,
          // which the session outlives or which shows up as a group change once it is back.
          if (GROUP_CHANGES.has(String((error as { type?: unknown }).type))) throw error;
        }
      },
    };
  }

  private async processChunk(scope: BatchScope, chunk: KafkaMessage[]): Promise<void> {
    const valid: InboundEvent<D>[] = [];
    for (const message of chunk) {
      const decoded = this.definition.decode(scope.topic, message.value);
      if (decoded.ok) valid.push({ envelope: decoded.envelope, topic: scope.topic, partition: scope.partition, message });
      else await this.deadLetter(scope, message, `invalid event: ${decoded.reason}`, 0);
    }
    if (valid.length > 0) await this.deliverGrouped(scope, valid);
  }

  /**
   * The chunk's first try goes through group commit, with whatever other partitions handed in
   * meanwhile; if that transaction fails, the chunk goes the per-chunk way (deliver) on its own,
   * so another partition's poison or failure never dead-letters or holds this one.
   */
  private async deliverGrouped(scope: BatchScope, events: InboundEvent<D>[]): Promise<void> {
    if (!this.group) return this.deliver(scope, events);
    const outcome = await this.awaitGroup(
      scope,
      this.group.submit(events, () => scope.live()),
    );
    if (outcome === 'abandoned') throw new BatchAbandoned();
    if (outcome === 'failed') await this.deliver(scope, events);
  }

  /**
   * Waits for the chunk's group outcome, heartbeating every HEARTBEAT_SLICE_MS meanwhile (kafkajs
   * heartbeats only when eachBatch code asks it to, and a shared transaction may outlast the
   * session). While the chunk still waits for its turn, a batch that stopped being ours (stop,
   * seek, a group change that a heartbeat reports) takes it out untried. Once it is in a
   * transaction it cannot be taken out: the outcome is awaited, and a group change reported
   * meanwhile is thrown after it (offsets uncommitted; the inbox makes the redelivery a no-op).
   */
  private async awaitGroup(scope: BatchScope, ticket: GroupTicket): Promise<GroupOutcome> {
    let groupChange: { error: unknown } | undefined;
    for (;;) {
      // A stop wakes a chunk still waiting for its turn at once; one in a transaction waits it out.
      const outcome = await this.within(ticket.outcome, HEARTBEAT_SLICE_MS, ticket.waiting() ? this.stopping.signal : undefined);
      if (outcome !== undefined) {
        if (groupChange) throw groupChange.error;
        return outcome;
      }
      if (!scope.live()) {
        if (ticket.withdraw()) throw new BatchAbandoned();
        continue;
      }
      try {
        await scope.heartbeat();
      } catch (error) {
        if (ticket.withdraw()) throw error;
        groupChange ??= { error };
      }
    }
  }

  /** `outcome` if it settles within `ms` (and before `signal` aborts), else undefined. */
  private async within(outcome: Promise<GroupOutcome>, ms: number, signal?: AbortSignal): Promise<GroupOutcome | undefined> {
    const settled = new AbortController();
    try {
      return await Promise.race([outcome, sleep(ms, signal ? AbortSignal.any([signal, settled.signal]) : settled.signal).then(() => undefined)]);
    } finally {
      settled.abort(); // ends the sleep's timer once the outcome won
    }
  }

  /** One try of a group commit's transaction; a failure is the contributors' to retry chunk by chunk. */
  private async commitGroup(events: InboundEvent<D>[], chunks: number): Promise<void> {
    const { metrics, logger } = this.deps;
    const timer = metrics.handleSeconds.startTimer({ consumer: this.definition.name });
    try {
      await this.handleFirstDeliveries(events, chunks > 1 ? GROUP_LOCK_TIMEOUT_MS : undefined);
    } catch (error) {
      timer({ outcome: 'error' });
      if (chunks > 1 && (error as { code?: unknown }).code === LOCK_NOT_AVAILABLE)
        logger.info(
          { consumer: this.definition.name, chunks, events: events.length },
          `a transaction of several chunks waited ${GROUP_LOCK_TIMEOUT_MS} ms for a row lock; each chunk is tried again on its own`,
        );
      else if (chunks > 1 && classifyFailure(error) !== 'transient')
        logger.warn(
          { consumer: this.definition.name, chunks, events: events.length, reason: describeError(error) },
          'a transaction of several chunks failed; each chunk is tried again on its own',
        );
      throw error;
    }
    timer({ outcome: 'ok' });
    metrics.consumed.inc({ consumer: this.definition.name }, events.length);
  }

  private async deliver(scope: BatchScope, events: InboundEvent<D>[]): Promise<void> {
    const outcome = await this.attempt(scope, events);
    if (outcome.ok) return;
    if (events.length > 1) {
      for (const event of events) await this.deliver(scope, [event]);
      return;
    }
    await this.deadLetter(scope, events[0].message, outcome.reason, outcome.attempts);
  }

  /**
   * Tries until the chunk commits, fails permanently, or fails `maxAttempts` times for no
   * known reason while every dependency answers. Transient failures do not count.
   */
  private async attempt(scope: BatchScope, events: InboundEvent<D>[]): Promise<Outcome> {
    const { retry, logger, metrics } = this.deps;
    let failures = 0;
    let waits = 0;
    try {
      for (;;) {
        scope.ensureLive();
        const timer = metrics.handleSeconds.startTimer({ consumer: this.definition.name });
        try {
          await this.handleFirstDeliveries(events);
          timer({ outcome: 'ok' });
          metrics.consumed.inc({ consumer: this.definition.name }, events.length);
          return { ok: true };
        } catch (error) {
          timer({ outcome: 'error' });
          const reason = describeError(error);
          const kind = classifyFailure(error);
          if (kind === 'permanent') return { ok: false, reason, attempts: failures + 1 };
          let waitReason = reason;
          if (kind === 'unknown') {
            failures++;
            if (failures < retry.maxAttempts) {
              logger.warn({ consumer: this.definition.name, attempt: failures, events: events.length, reason }, 'handler failed; retrying');
              metrics.retries.inc({ consumer: this.definition.name });
              await this.pause(scope, backoffDelay(retry, failures));
              continue;
            }
            const away = await this.deps.dependencyDown();
            if (!away) return { ok: false, reason: `still failing after ${failures} attempts: ${reason}`, attempts: failures };
            waitReason = `${away} (the handler said: ${reason})`;
          }
          waits++;
          this.wait.failed(scope.key, waitReason);
          await this.pause(scope, backoffDelay(this.transientPolicy(), waits));
        }
      }
    } finally {
      if (waits > 0) this.wait.recovered(scope.key);
    }
  }

  /**
   * One transaction: the inbox claim (sent with BEGIN, after `lockTimeoutMs` as the transaction's
   * lock_timeout when given), the handler with the first deliveries only, the outbox (sent with COMMIT).
   */
  private async handleFirstDeliveries(events: InboundEvent<D>[], lockTimeoutMs?: number): Promise<void> {
    const unique = [...new Map(events.map((e) => [e.envelope.id, e])).values()];
    const claim = firstDeliveriesOpening(
      this.definition.name,
      unique.map((e) => e.envelope.id),
    );
    const opening =
      lockTimeoutMs === undefined
        ? claim
        : { ...claim, sql: (literal: (value: string) => string) => `SET LOCAL lock_timeout = ${Math.round(lockTimeoutMs)}; ${claim.sql(literal)}` };
    await this.deps.transactions.runOpening(opening, async (tx, fresh = new Set<string>()) => {
      const redelivered = events.length - fresh.size;
      if (redelivered > 0) this.deps.metrics.duplicates.inc({ consumer: this.definition.name }, redelivered);
      const firsts = unique.filter((e) => fresh.has(e.envelope.id));
      if (firsts.length > 0) await this.definition.handle(firsts, tx);
    });
  }

  /** A dead letter is never skipped: while the broker is away, sending it waits like any transient failure. */
  private async deadLetter(scope: BatchScope, message: KafkaMessage, reason: string, attempts: number): Promise<void> {
    const letter = { topic: scope.topic, partition: scope.partition, message, groupId: this.definition.groupId, reason, attempts };
    let waits = 0;
    try {
      for (;;) {
        scope.ensureLive();
        try {
          await sendToDeadLetterTopic(this.deps.producer, letter);
          break;
        } catch (error) {
          if (classifyFailure(error) !== 'transient') throw error;
          waits++;
          this.wait.failed(scope.key, `dead-letter topic: ${describeError(error)}`);
          await this.pause(scope, backoffDelay(this.transientPolicy(), waits));
        }
      }
    } finally {
      if (waits > 0) this.wait.recovered(scope.key);
    }
    this.deps.logger.error(
      { consumer: this.definition.name, topic: scope.topic, partition: scope.partition, offset: message.offset, reason },
      'message sent to the dead-letter topic',
    );
    this.deps.metrics.deadLettered.inc({ consumer: this.definition.name, topic: scope.topic });
  }

  /** Sleeps `ms` in slices, heartbeating between them; gives the batch up when it stops being ours. */
  private async pause(scope: BatchScope, ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0; left = until - Date.now()) {
      await sleep(Math.min(left, HEARTBEAT_SLICE_MS), this.stopping.signal);
      scope.ensureLive();
      await scope.heartbeat();
    }
  }

  private transientPolicy(): RetryPolicy {
    const { retry } = this.deps;
    return { ...retry, maxDelayMs: retry.transientMaxDelayMs ?? DEFAULT_TRANSIENT_MAX_DELAY_MS };
  }
}
