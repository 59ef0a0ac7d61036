import { Admin, Kafka, logLevel, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaSecurity } from './kafka-security';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  partitions: number;
  replicationFactor: number;
  /** TLS and SASL, from kafkaSecurity(); absent means PLAINTEXT. */
  security?: KafkaSecurity;
}

const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

const REPEAT_WINDOW_MS = 60000;

/**
 * kafkajs logs through the service's pino logger, so its lines are JSON like everything else.
 * While a broker is away it says the same thing several times a second; each distinct line is
 * logged at most once a minute, with how many times it was said meanwhile.
 */
export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  const repeats = new Map<string, { at: number; suppressed: number }>();
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...settings.security,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...extra } = log;
        const key = `${namespace}:${message}`;
        const seen = repeats.get(key);
        const now = Date.now();
        if (seen && now - seen.at < REPEAT_WINDOW_MS) {
          seen.suppressed++;
          return;
        }
        if (repeats.size >= 1000) repeats.clear();
        repeats.set(key, { at: now, suppressed: 0 });
        logger[levels[level] ?? 'info']({ kafka: namespace, ...extra, repeatedSinceLastLog: seen?.suppressed }, message);
      },
  });
}

/** Creates missing topics (and their dead-letter twins) with the configured partition count. */
export async function ensureTopics(kafka: Kafka, settings: KafkaSettings, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted = [...new Set(topics)];
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin
        .createTopics({
          waitForLeaders: false,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: settings.partitions,
            replicationFactor: settings.replicationFactor,
          })),
        })
        .catch((error: { type?: string }) => {
          // Another service created it first, or kafkajs' metadata refresh raced the new
          // partitions' leaders; either way the leader poll below decides.
          if (!['TOPIC_ALREADY_EXISTS', 'UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE'].includes(error.type ?? '')) throw error;
        });
    }
    await waitForLeaders(admin, wanted);
  } finally {
    await admin.disconnect();
  }
}

/**
 * kafkajs' own waitForLeaders gives up on the broker's transient "does not host this
 * topic-partition" right after creation, so poll the metadata until every partition has a leader.
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await admin
      .fetchTopicMetadata({ topics })
      .then((m) => m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
      .catch(() => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`topics without a leader after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
