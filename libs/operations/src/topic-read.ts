import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** The offsets [start, end) of one partition to read. */
export interface OffsetRange {
  partition: number;
  start: number;
  end: number;
}

export class UnknownTopicError extends Error {
  constructor(readonly topic: string) {
    super(`there is no topic ${topic}`);
  }
}

/**
 * Each partition from the first offset whose broker timestamp is at or after `since` (or
 * from its first offset), up to the end it has now: later messages are not part of the read.
 */
export async function offsetRangesSince(kafka: Kafka, topic: string, since?: Date): Promise<OffsetRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Asked first: for a missing topic, kafkajs would retry its offset request for seconds.
    if (!(await admin.listTopics()).includes(topic)) throw new UnknownTopicError(topic);
    const ends = await admin.fetchTopicOffsets(topic);
    const starts = since ? await admin.fetchTopicOffsetsByTimestamp(topic, since.getTime()) : undefined;
    return ends.map(({ partition, low, high }) => {
      const start = starts ? Number(starts.find((s) => s.partition === partition)?.offset ?? high) : Number(low);
      // -1 from the broker: no message at or after `since` in this partition.
      return { partition, start: start < 0 ? Number(high) : start, end: Number(high) };
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Calls `visit` once for each message in the ranges, in offset order per partition. Reads with
 * a throwaway consumer group that commits nothing and is deleted afterwards, so no service's
 * group or offsets move.
 */
export async function readOffsetRanges(
  kafka: Kafka,
  topic: string,
  wanted: OffsetRange[],
  visit: (partition: number, message: KafkaMessage) => void,
): Promise<void> {
  const ranges = wanted.filter((r) => r.start < r.end).map((r) => ({ ...r, seen: r.start - 1 }));
  const pending = new Set(ranges.map((r) => r.partition));
  if (pending.size === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `keypool-support-read-${randomUUID()}`;
  try {
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
    await consumer.connect();
    try {
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      await consumer.subscribe({ topics: [topic] });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        // On a re-join (a rebalance) the read resumes after what it already saw.
        for (const r of ranges) if (pending.has(r.partition)) consumer.seek({ topic, partition: r.partition, offset: String(r.seen + 1) });
      });
      await consumer.run({
        autoCommit: false,
        // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise; visiting the records waits for nothing
        eachBatch: async ({ batch }) => {
          const range = ranges.find((r) => r.partition === batch.partition);
          if (!range) return;
          let pastEnd = false;
          for (const message of batch.messages) {
            const offset = Number(message.offset);
            if (offset >= range.end) pastEnd = true;
            // Before the seek takes effect a fetch may start at the live end: ignore it. After a
            // rebalance the group seeks again, so records already read are skipped, not seen twice.
            if (offset < range.start || offset >= range.end || offset <= range.seen) continue;
            range.seen = offset;
            visit(batch.partition, message);
          }
          // A message past the end ends the range too (offsets can have gaps), once the seek has taken effect.
          if (range.seen >= range.end - 1 || (range.seen >= range.start && pastEnd)) pending.delete(batch.partition);
          if (pending.size === 0) done();
        },
      });
      await finished;
    } finally {
      await consumer.disconnect();
    }
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
