import type { Admin } from 'kafkajs';
import type { Metrics } from '@keypool/platform';

/** A consumer group whose lag is reported, named as the consumer is in logs and other metrics. */
export interface LagSource {
  consumer: string;
  groupId: string;
  topics: string[];
}

export interface BrokerFigures {
  lag: { consumer: string; topic: string; partition: number; lag: number }[];
  dlqDepth: { topic: string; depth: number }[];
}

type BrokerAdmin = Pick<Admin, 'fetchOffsets' | 'fetchTopicOffsets'>;

const DEFAULT_CACHE_MS = 15000;
const READ_TIMEOUT_MS = 3000;

/**
 * Records a partition holds beyond what the group committed. A group that never committed
 * there (or whose offset fell below the log start) reads from the log start, as our consumers do.
 */
export function partitionLag(committed: string, low: string, high: string): number {
  const start = BigInt(low);
  const from = BigInt(committed) > start ? BigInt(committed) : start;
  const lag = BigInt(high) - from;
  return lag > 0n ? Number(lag) : 0;
}

/**
 * Consumer lag and dead-letter depth, read from the broker when Prometheus scrapes (two admin
 * round trips per topic and group), at most once per `cacheMs` whatever the scrape rate. Read
 * from the broker rather than from the batches a consumer sees, so the lag of a consumer that
 * is stuck, waiting or gone still grows. While the broker does not answer, the last figures stay.
 */
export class BrokerGauges {
  private last?: BrokerFigures;
  private pending?: { at: number; figures: Promise<BrokerFigures | undefined> };

  constructor(
    private readonly admin: BrokerAdmin,
    private readonly sources: () => { consumers: LagSource[]; dlqTopics: string[] },
    private readonly cacheMs = DEFAULT_CACHE_MS,
  ) {}

  register(metrics: Metrics): void {
    const read = () => this.read();
    metrics.gauge(
      'keypool_consumer_lag',
      'Records in a partition after the consumer group committed offset (read from the broker at scrape time, cached 15 s)',
      ['consumer', 'topic', 'partition'],
      async function () {
        const figures = await read();
        if (!figures) return;
        this.reset();
        for (const { consumer, topic, partition, lag } of figures.lag) this.set({ consumer, topic, partition: String(partition) }, lag);
      },
    );
    metrics.gauge(
      'keypool_dlq_depth',
      'Records kept in a dead-letter topic (end offset minus start offset; redriven records stay until retention)',
      ['topic'],
      async function () {
        const figures = await read();
        if (!figures) return;
        this.reset();
        for (const { topic, depth } of figures.dlqDepth) this.set({ topic }, depth);
      },
    );
  }

  /** The figures of the last `cacheMs`; both gauges of one scrape share one read. */
  read(): Promise<BrokerFigures | undefined> {
    const now = Date.now();
    if (!this.pending || now - this.pending.at >= this.cacheMs) {
      this.pending = {
        at: now,
        figures: withTimeout(this.fetch()).then(
          (figures) => (this.last = figures),
          () => this.last,
        ),
      };
    }
    return this.pending.figures;
  }

  private async fetch(): Promise<BrokerFigures> {
    const { consumers, dlqTopics } = this.sources();
    const ends = new Map<string, ReturnType<BrokerAdmin['fetchTopicOffsets']>>();
    const endsOf = (topic: string) => {
      if (!ends.has(topic)) ends.set(topic, this.admin.fetchTopicOffsets(topic));
      return ends.get(topic) as ReturnType<BrokerAdmin['fetchTopicOffsets']>;
    };
    const lag = (
      await Promise.all(
        consumers.map(async ({ consumer, groupId, topics }) => {
          const committed = await this.admin.fetchOffsets({ groupId, topics });
          const perTopic = await Promise.all(
            committed.map(async ({ topic, partitions }) =>
              (await endsOf(topic)).map(({ partition, low, high }) => ({
                consumer,
                topic,
                partition,
                lag: partitionLag(partitions.find((p) => p.partition === partition)?.offset ?? '-1', low, high),
              })),
            ),
          );
          return perTopic.flat();
        }),
      )
    ).flat();
    const dlqDepth = await Promise.all(
      [...new Set(dlqTopics)].map(async (topic) => ({
        topic,
        depth: (await endsOf(topic)).reduce((sum, { low, high }) => sum + Number(BigInt(high) - BigInt(low)), 0),
      })),
    );
    return { lag, dlqDepth };
  }
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the broker did not answer within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
