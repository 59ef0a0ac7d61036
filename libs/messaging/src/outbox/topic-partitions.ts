import type { Kafka } from 'kafkajs';

/** Finds a record's partition, as `topic/partition`. */
export type PartitionOf = (topic: string, key: string) => string;

/**
 * Which partition the producer will choose for a key, so the relay can size each partition's
 * share of a send and, after a refusal, resend exactly the partitions it sent. It is what the
 * producer's default partitioner does for a keyed record (murmur2 of the key, as the Java client;
 * see keyPartition) with the topic's partition count, read from the broker and refreshed once a minute.
 */
export class TopicPartitions {
  private readonly counts = new Map<string, { count: number; readAt: number }>();

  constructor(
    private readonly kafka: Pick<Kafka, 'admin'>,
    private readonly refreshMs = 60_000,
  ) {}

  async resolve(topics: string[]): Promise<PartitionOf> {
    const now = Date.now();
    const stale = [...new Set(topics)].filter((topic) => (this.counts.get(topic)?.readAt ?? -Infinity) <= now - this.refreshMs);
    if (stale.length > 0) await this.read(stale, now);
    return (topic, key) => `${topic}/${keyPartition(key, this.counts.get(topic)?.count ?? 0)}`;
  }

  private async read(topics: string[], now: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      for (const topic of found) this.counts.set(topic.name, { count: topic.partitions.length, readAt: now });
    } finally {
      await admin.disconnect();
    }
  }
}

/**
 * The partition kafkajs' DefaultPartitioner gives a record with this key: the positive part of
 * murmur2 of the key's UTF-8 bytes, modulo the partition count (NaN when there are none, as there).
 * kafkajs computes the hash with 64-bit BigInt arithmetic, allocating new BigInts for every 4 bytes
 * of every key; this is the same 32-bit hash (the Java client's Utils.murmur2) in int32 arithmetic.
 * The spec pins it to kafkajs' own partitioner, whose choice it must always repeat.
 */
export function keyPartition(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key)) & 0x7fffffff) % partitions;
}

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

function murmur2(data: Buffer): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last one to three bytes, as the Java client's fall-through switch takes them.
  const rest = length - whole;
  if (rest > 0) {
    if (rest === 3) h ^= data[whole + 2] << 16;
    if (rest >= 2) h ^= data[whole + 1] << 8;
    h ^= data[whole];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}
