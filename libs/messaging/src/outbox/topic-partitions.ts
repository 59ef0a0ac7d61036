import { Partitioners, type Kafka, type PartitionMetadata } from 'kafkajs';

/** Finds a record's partition, as `topic/partition`. */
export type PartitionOf = (topic: string, key: string) => string;

/**
 * Which partition the producer will choose for a key, so the relay can size each partition's
 * share of a send and, after a refusal, resend exactly the partitions it sent. It is the
 * producer's own partitioner (murmur2 of the key, as the Java client) fed with the topic's
 * partition count, read from the broker and refreshed once a minute.
 */
export class TopicPartitions {
  private readonly counts = new Map<string, { count: number; readAt: number }>();
  private readonly metadata = new Map<number, PartitionMetadata[]>();
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(
    private readonly kafka: Pick<Kafka, 'admin'>,
    private readonly refreshMs = 60_000,
  ) {}

  async resolve(topics: string[]): Promise<PartitionOf> {
    const now = Date.now();
    const stale = [...new Set(topics)].filter((topic) => (this.counts.get(topic)?.readAt ?? -Infinity) <= now - this.refreshMs);
    if (stale.length > 0) await this.read(stale, now);
    return (topic, key) => {
      const partitionMetadata = this.partitionsOf(this.counts.get(topic)?.count ?? 0);
      return `${topic}/${this.partitioner({ topic, partitionMetadata, message: { key, value: null } })}`;
    };
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

  private partitionsOf(count: number): PartitionMetadata[] {
    let partitions = this.metadata.get(count);
    if (!partitions) {
      partitions = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
      this.metadata.set(count, partitions);
    }
    return partitions;
  }
}
