import { randomBytes } from 'node:crypto';
import { Consumer, Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { CLOUDEVENTS_CONTENT_TYPE } from '@keypool/contracts';
import { kafkaSecurity } from '@keypool/messaging';

export const TEST_BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

/** A client of the test (or bench) cluster, secured by the same KAFKA_SSL* and KAFKA_SASL_* settings as the services. */
export function testKafka(clientId = 'keypool-test'): Kafka {
  return new Kafka({ clientId, brokers: TEST_BROKERS, ...kafkaSecurity(process.env), logLevel: logLevel.NOTHING });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * Creates topics and waits until every partition has a leader. kafkajs' own waitForLeaders
 * gives up when the broker briefly answers UNKNOWN_TOPIC_OR_PARTITION for a just-created
 * topic (seen under load on KRaft), so the metadata is polled instead.
 */
export async function createTopics(kafka: Kafka, topics: string[], partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: false, topics: topics.map((topic) => ({ topic, numPartitions: partitions })) });
    const led = async () => {
      const metadata = await admin.fetchTopicMetadata({ topics }).catch(() => undefined);
      return !!metadata && metadata.topics.every((t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0));
    };
    await waitUntil(led, 30000, 'every test topic to have partition leaders');
  } finally {
    await admin.disconnect();
  }
}

export async function produce(
  kafka: Kafka,
  topic: string,
  messages: { key?: string; value: string | Buffer | null; headers?: Record<string, string>; timestamp?: string }[],
) {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Publishes events as a contract producer does: structured CloudEvents, one key, in order. */
export async function produceCloudEvents(kafka: Kafka, topic: string, key: string, events: (object | string)[]): Promise<void> {
  await produce(
    kafka,
    topic,
    events.map((e) => ({ key, value: typeof e === 'string' ? e : JSON.stringify(e), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } })),
  );
}

/** Reads a topic from the beginning in the background, each record once, so a test can wait for what arrives. */
export class TopicReader {
  readonly messages: KafkaMessage[] = [];
  private readonly consumer: Consumer;

  private constructor(kafka: Kafka) {
    this.consumer = kafka.consumer({ groupId: uniqueName('reader'), sessionTimeout: 10000 });
  }

  static async open(kafka: Kafka, topic: string): Promise<TopicReader> {
    const reader = new TopicReader(kafka);
    await reader.consumer.connect();
    await reader.consumer.subscribe({ topic, fromBeginning: true });
    // A rebalance (a busy broker, a slow join) can hand the same records over again: each
    // record is kept once, so counts and positions describe the topic, not the reader's luck.
    const seen = new Set<string>();
    await reader.consumer.run({
      // eslint-disable-next-line @typescript-eslint/require-await -- kafkajs wants a promise; keeping the record waits for nothing
      eachMessage: async ({ partition, message }) => {
        const position = `${partition}:${message.offset}`;
        if (seen.has(position)) return;
        seen.add(position);
        reader.messages.push(message);
      },
    });
    return reader;
  }

  values<T = Record<string, unknown>>(): T[] {
    return this.messages.map((m) => JSON.parse(m.value?.toString('utf8') ?? 'null') as T);
  }

  async waitForCount(count: number, timeoutMs = 20000): Promise<KafkaMessage[]> {
    await waitUntil(() => this.messages.length >= count, timeoutMs, `${count} messages (have ${this.messages.length})`);
    return this.messages;
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function headerText(message: KafkaMessage, name: string): string | undefined {
  return message.headers?.[name]?.toString();
}
