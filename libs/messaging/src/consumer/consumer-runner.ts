import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { claimFirstDeliveries } from '../inbox/inbox';
import type { Transactions, Tx } from '../transactions';
import { sendToDeadLetterTopic } from './dead-letters';
import type { EventDecoder, InboundEvent } from './inbound-event';
import { ConsumerMetrics } from './consumer-metrics';
import { PermanentFailure, RetryPolicy, backoffDelay, describeError, sleep } from './retry';

export interface ConsumerDefinition {
  /** Names the consumer in the inbox, logs and metrics. */
  name: string;
  /** Named after the topics it reads; contractTopicConsumer() does that for one topic. */
  groupId: string;
  topics: string[];
  decode: EventDecoder;
  /** Runs inside one transaction with only first deliveries; must not swallow errors. */
  handle(events: InboundEvent[], tx: Tx): Promise<void>;
  maxBatchSize?: number;
  partitionsConsumedConcurrently?: number;
  fromBeginning?: boolean;
}

export interface ConsumerRunnerDeps {
  kafka: Kafka;
  producer: Producer;
  transactions: Transactions;
  logger: Logger;
  retry: RetryPolicy;
  metrics: ConsumerMetrics;
  /** Called when the consumer dies for good; services exit so the orchestrator restarts them. */
  onFatal(error: unknown): void;
}

type Outcome = { ok: true } | { ok: false; reason: string; attempts: number };

/**
 * Consumes whole batches per partition, processes them in chunks (one database transaction
 * each, inbox included) and commits offsets only after the transaction commits. A chunk that
 * keeps failing is split so one poison message cannot hold back its neighbours.
 */
export class ConsumerRunner {
  private consumer?: Consumer;
  state: 'idle' | 'running' | 'crashed' | 'stopped' = 'idle';

  constructor(private readonly deps: ConsumerRunnerDeps, private readonly definition: ConsumerDefinition) {}

  async start(): Promise<void> {
    const { kafka } = this.deps;
    const consumer = kafka.consumer({
      groupId: this.definition.groupId,
      sessionTimeout: 30000,
      // A short long-poll keeps shutdown and rebalances quick; data still arrives as soon as it exists.
      maxWaitTimeInMs: 1000,
      heartbeatInterval: 3000,
      retry: { retries: 8, restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.state === 'stopped') return;
      this.state = 'crashed';
      this.deps.logger.fatal({ err: payload.error, consumer: this.definition.name }, 'consumer crashed');
      this.deps.onFatal(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.definition.topics, fromBeginning: this.definition.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.definition.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.state = 'running';
  }

  /** Lets the in-flight chunk finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.consumer?.disconnect();
  }

  private async eachBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const size = this.definition.maxBatchSize ?? 200;
    for (let start = 0; start < batch.messages.length; start += size) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + size);
      await this.processChunk(batch.topic, batch.partition, chunk, heartbeat);
      const last = chunk[chunk.length - 1].offset;
      resolveOffset(last);
      await this.consumer?.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
      ]);
      await heartbeat();
    }
  }

  private async processChunk(topic: string, partition: number, chunk: KafkaMessage[], heartbeat: () => Promise<void>) {
    const valid: InboundEvent[] = [];
    for (const message of chunk) {
      const decoded = this.definition.decode(topic, message.value);
      if (decoded.ok) valid.push({ envelope: decoded.envelope, topic, partition, message });
      else await this.deadLetter(topic, partition, message, `invalid event: ${decoded.reason}`, 0);
    }
    if (valid.length > 0) await this.deliver(valid, heartbeat);
  }

  private async deliver(events: InboundEvent[], heartbeat: () => Promise<void>): Promise<void> {
    const outcome = await this.attempt(events, heartbeat);
    if (outcome.ok) return;
    if (events.length > 1) {
      for (const event of events) await this.deliver([event], heartbeat);
      return;
    }
    const [event] = events;
    await this.deadLetter(event.topic, event.partition, event.message, outcome.reason, outcome.attempts);
  }

  private async attempt(events: InboundEvent[], heartbeat: () => Promise<void>): Promise<Outcome> {
    const { retry, logger, metrics } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const timer = metrics.handleSeconds.startTimer({ consumer: this.definition.name });
      try {
        await this.deps.transactions.run((tx) => this.handleFirstDeliveries(events, tx));
        timer({ outcome: 'ok' });
        metrics.consumed.inc({ consumer: this.definition.name }, events.length);
        return { ok: true };
      } catch (error) {
        timer({ outcome: 'error' });
        const reason = describeError(error);
        const permanent = error instanceof PermanentFailure;
        if (permanent || attempt >= retry.maxAttempts || this.state !== 'running') {
          if (this.state !== 'running') throw error;
          return { ok: false, reason: permanent ? reason : `still failing after ${attempt} attempts: ${reason}`, attempts: attempt };
        }
        logger.warn({ consumer: this.definition.name, attempt, events: events.length, reason }, 'handler failed; retrying');
        metrics.retries.inc({ consumer: this.definition.name });
        await sleep(backoffDelay(retry, attempt));
        await heartbeat();
      }
    }
  }

  private async handleFirstDeliveries(events: InboundEvent[], tx: Tx): Promise<void> {
    const unique = [...new Map(events.map((e) => [e.envelope.id, e])).values()];
    const fresh = await claimFirstDeliveries(tx.manager, this.definition.name, unique.map((e) => e.envelope.id));
    const redelivered = events.length - fresh.size;
    if (redelivered > 0) this.deps.metrics.duplicates.inc({ consumer: this.definition.name }, redelivered);
    const firsts = unique.filter((e) => fresh.has(e.envelope.id));
    if (firsts.length > 0) await this.definition.handle(firsts, tx);
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, attempts: number) {
    this.deps.logger.error(
      { consumer: this.definition.name, topic, partition, offset: message.offset, reason },
      'message sent to the dead-letter topic',
    );
    this.deps.metrics.deadLettered.inc({ consumer: this.definition.name, topic });
    await sendToDeadLetterTopic(this.deps.producer, {
      topic,
      partition,
      message,
      groupId: this.definition.groupId,
      reason,
      attempts,
    });
  }
}
