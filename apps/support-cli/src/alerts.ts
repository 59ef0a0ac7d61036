import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { parseCloudEvent } from '@keypool/contracts';
import { UnknownTopicError } from '@keypool/operations';

/** One PoolLow as `alerts tail` prints it. */
export interface PoolAlert {
  /** When the pool raised it: the event's time, else the broker's. */
  at: string;
  eventId: string;
  level: 'low' | 'empty';
  poolId: string;
  /** Absent (null) from a pool-service that predates the field. */
  poolName: string | null;
  mode: 'live' | 'test' | null;
  merchantId: string;
  productId: string | null;
  currency: string | null;
  available: number;
  threshold: number;
  backordered: number;
}

export interface AlertFilter {
  /** Start at the first alert at or after this time; default: only alerts raised from now on. */
  since?: Date;
  merchantIds: string[];
  mode?: 'live' | 'test';
  /** Stop after this many alerts; default: follow until stopped. */
  max?: number;
}

export interface AlertTailHooks {
  onAlert(alert: PoolAlert): void;
  /** A message on the topic that is not a valid PoolLow: left alone, reported. */
  onInvalid(where: string, reason: string): void;
  /** The tail is in place: every alert published from now on will be seen. */
  onReady(): void;
  /** Ends the tail (Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * Follows the PoolLow topic with a throwaway consumer group that commits nothing and is deleted
 * afterwards, so no service's group or offsets move. Starts where each partition ends now (or at
 * `since`), seeking there itself, so nothing published after onReady is missed.
 */
export async function tailPoolAlerts(kafka: Kafka, topic: string, filter: AlertFilter, hooks: AlertTailHooks): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  // Under the prefix support's Kafka user may read and delete groups with (README, Kafka security).
  const groupId = `keypool-support-read-alerts-${randomUUID()}`;
  let shown = 0;
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new UnknownTopicError(topic);
    const ends = await admin.fetchTopicOffsets(topic);
    const starts = filter.since ? await admin.fetchTopicOffsetsByTimestamp(topic, filter.since.getTime()) : undefined;
    const next = new Map<number, number>();
    for (const { partition, high } of ends) {
      const at = Number(starts?.find((s) => s.partition === partition)?.offset ?? high);
      next.set(partition, at < 0 ? Number(high) : at);
    }
    if (hooks.signal?.aborted) return 0;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
    await consumer.connect();
    try {
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      hooks.signal?.addEventListener('abort', () => stop(), { once: true });
      let ready = false;
      await consumer.subscribe({ topics: [topic] });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        // On a re-join (a rebalance) the tail resumes after what it already printed.
        for (const [partition, offset] of next) consumer.seek({ topic, partition, offset: String(offset) });
      });
      consumer.on(consumer.events.FETCH_START, () => {
        if (!ready) {
          ready = true;
          hooks.onReady();
        }
      });
      const merchants = filter.merchantIds.length > 0 ? new Set(filter.merchantIds) : undefined;
      await consumer.run({
        autoCommit: false,
        // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise; printing an alert waits for nothing
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          // Before the seek takes effect a fetch may start elsewhere: ignore what is not next.
          if (offset < (next.get(partition) ?? 0) || (filter.max !== undefined && shown >= filter.max)) return;
          next.set(partition, offset + 1);
          const parsed = parseCloudEvent(message.value, 'PoolLow');
          if (!parsed.ok) return void hooks.onInvalid(`${partition}:${message.offset}`, parsed.errors.join('; ').slice(0, 300));
          const { data, id, time } = parsed.value;
          if (merchants && !merchants.has(data.merchantId)) return;
          if (filter.mode && data.mode !== filter.mode) return;
          hooks.onAlert({
            at: time ?? new Date(Number(message.timestamp)).toISOString(),
            eventId: id,
            level: data.level,
            poolId: data.poolId,
            poolName: data.poolName ?? null,
            mode: data.mode ?? null,
            merchantId: data.merchantId,
            productId: data.productId ?? null,
            currency: data.currency ?? null,
            available: data.available,
            threshold: data.threshold,
            backordered: data.backordered,
          });
          if (filter.max !== undefined && ++shown >= filter.max) stop();
        },
      });
      await stopped;
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return shown;
}

/** One line a person reads: when, how bad, which pool (name, mode, product, currency), stock against threshold. */
export function describeAlert(alert: PoolAlert): string {
  const name = alert.poolName !== null ? `"${alert.poolName}"` : `pool ${alert.poolId}`;
  const waiting = alert.backordered > 0 ? `, ${alert.backordered} line(s) waiting` : '';
  return [
    alert.at,
    alert.level.toUpperCase().padEnd(5),
    name,
    alert.mode ?? 'mode ?',
    `product ${alert.productId ?? 'all'}`,
    `currency ${alert.currency ?? 'all'}`,
    `stock ${alert.available} / threshold ${alert.threshold}${waiting}`,
    `merchant ${alert.merchantId}`,
    ...(alert.poolName !== null ? [`pool ${alert.poolId}`] : []),
  ].join('  ');
}
