import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import { dlqTopic } from '@keypool/contracts';
import { PRODUCER_SETTINGS } from '@keypool/messaging';
import { type OffsetRange, UnknownTopicError, offsetRangesSince, readOffsetRanges } from '../topic-read';
import { type DeadLetterFilter, type DeadLetterSummary, describeDeadLetter, matchesDeadLetter, originalHeaders, summarizeDeadLetter } from './dead-letter';

/** A record's place in its DLQ, as `dlq list` prints it. */
export interface DlqPosition {
  partition: number;
  offset: string;
}

export class DlqError extends Error {}

/** `order-paid` and `order-paid.dlq` both name the DLQ of order-paid. */
export function dlqTopicOf(topic: string): string {
  return topic.endsWith('.dlq') ? topic : dlqTopic(topic);
}

/** Every `<topic>.dlq` on the cluster, by name. */
export async function allDlqTopics(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => t.endsWith('.dlq')).sort();
  } finally {
    await admin.disconnect();
  }
}

export interface DlqListing {
  topic: string;
  /** The matching records, oldest first, at most `limit`. */
  records: DeadLetterSummary[];
  /** How many more matched beyond `limit`. */
  more: number;
  scanned: number;
}

export async function listDeadLetters(kafka: Kafka, topic: string, filter: DeadLetterFilter, limit: number): Promise<DlqListing> {
  const matched: DeadLetterSummary[] = [];
  let scanned = 0;
  await readOffsetRanges(kafka, topic, await rangesOf(kafka, topic, filter.since), (partition, message) => {
    scanned++;
    const record = summarizeDeadLetter(topic, partition, message);
    if (matchesDeadLetter(record, filter)) matched.push(record);
  });
  matched.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || Number(a.offset) - Number(b.offset));
  return { topic, records: matched.slice(0, limit), more: Math.max(0, matched.length - limit), scanned };
}

/** One record in full (headers included), its event's data as field names only. */
export async function showDeadLetter(kafka: Kafka, topic: string, at: DlqPosition): Promise<Record<string, unknown>> {
  const [found] = await readPositions(kafka, topic, [at]);
  if (!found) throw new DlqError(`${topic} has no record at ${at.partition}:${at.offset}; dlq list ${topic} shows where each one is`);
  return describeDeadLetter(topic, found.partition, found.message);
}

export type RedriveSelection = { positions: DlqPosition[] } | { all: DeadLetterFilter };

export interface RedriveReport {
  topic: string;
  records: DeadLetterSummary[];
  /** Records naming an original message already in `records` (dead-lettered by two consumer groups): sent once. */
  sameOriginal: number;
  /** Records sent (or, on a dry run, that would be sent) per original topic. */
  perTopic: Record<string, number>;
  published: boolean;
}

/**
 * Sends the chosen records back to the topic they came from: the same key, the same value (so
 * the same event id) and the original headers without the dlq-* ones. Every consumer group of
 * that topic reads them again; a group that had handled the event drops it in its inbox, a
 * group that had dead-lettered it tries it once more. With `publish` false nothing is written.
 */
export async function redriveDeadLetters(
  kafka: Kafka,
  topic: string,
  selection: RedriveSelection,
  publish: boolean,
  progress?: ReadProgress,
): Promise<RedriveReport> {
  const chosen =
    'positions' in selection ? await readPositions(kafka, topic, selection.positions, progress) : await readMatching(kafka, topic, selection.all, progress);
  if ('positions' in selection && chosen.length < selection.positions.length) {
    const found = new Set(chosen.map((c) => `${c.partition}:${c.message.offset}`));
    const missing = selection.positions.map((p) => `${p.partition}:${p.offset}`).filter((p) => !found.has(p));
    throw new DlqError(`${topic} has no record at ${missing.join(', ')}; nothing was sent`);
  }
  const byOriginal = new Map<string, { summary: DeadLetterSummary; message: KafkaMessage }>();
  for (const { partition, message } of chosen) {
    const summary = summarizeDeadLetter(topic, partition, message);
    const { topic: original, partition: p, offset } = summary.original;
    const identity = p !== null && offset !== null ? `${original}/${p}/${offset}` : `${topic}/${partition}/${message.offset}`;
    if (!byOriginal.has(identity)) byOriginal.set(identity, { summary, message });
  }
  const sends = [...byOriginal.values()];
  const perTopic: Record<string, number> = {};
  for (const { summary } of sends) perTopic[summary.original.topic] = (perTopic[summary.original.topic] ?? 0) + 1;
  if (publish && sends.length > 0) {
    const producer = kafka.producer({ ...PRODUCER_SETTINGS });
    await producer.connect();
    try {
      const topicMessages = Object.keys(perTopic).map((original) => ({
        topic: original,
        messages: sends
          .filter((s) => s.summary.original.topic === original)
          .map(({ message }): Message => ({ key: message.key, value: message.value, headers: originalHeaders(message.headers) })),
      }));
      await producer.sendBatch({ acks: -1, topicMessages });
    } finally {
      await producer.disconnect();
    }
  }
  return { topic, records: sends.map((s) => s.summary), sameOriginal: chosen.length - sends.length, perTopic, published: publish && sends.length > 0 };
}

interface ReadRecord {
  partition: number;
  message: KafkaMessage;
}

/** Records read so far of all there are to read, as a read goes (for a progress bar). */
export type ReadProgress = (read: number, total: number) => void;

/** Counts each visit against the ranges' size, for `progress`. */
function counted(ranges: OffsetRange[], progress: ReadProgress | undefined, visit: (partition: number, message: KafkaMessage) => void) {
  if (!progress) return visit;
  const total = ranges.reduce((sum, r) => sum + Math.max(0, r.end - r.start), 0);
  let read = 0;
  return (partition: number, message: KafkaMessage) => {
    visit(partition, message);
    progress(++read, total);
  };
}

async function readMatching(kafka: Kafka, topic: string, filter: DeadLetterFilter, progress?: ReadProgress): Promise<ReadRecord[]> {
  const found: ReadRecord[] = [];
  const ranges = await rangesOf(kafka, topic, filter.since);
  await readOffsetRanges(
    kafka,
    topic,
    ranges,
    counted(ranges, progress, (partition, message) => {
      if (matchesDeadLetter(summarizeDeadLetter(topic, partition, message), filter)) found.push({ partition, message });
    }),
  );
  return found;
}

/** Reads only the named records: per partition, from the lowest named offset to the highest. */
async function readPositions(kafka: Kafka, topic: string, positions: DlqPosition[], progress?: ReadProgress): Promise<ReadRecord[]> {
  const existing = await rangesOf(kafka, topic);
  const wanted = new Set(positions.map((p) => `${p.partition}:${p.offset}`));
  const ranges: OffsetRange[] = [];
  for (const range of existing) {
    const offsets = positions
      .filter((p) => p.partition === range.partition)
      .map((p) => Number(p.offset))
      .filter((o) => o >= range.start && o < range.end);
    if (offsets.length > 0) ranges.push({ partition: range.partition, start: Math.min(...offsets), end: Math.max(...offsets) + 1 });
  }
  const found: ReadRecord[] = [];
  await readOffsetRanges(
    kafka,
    topic,
    ranges,
    counted(ranges, progress, (partition, message) => {
      if (wanted.has(`${partition}:${message.offset}`)) found.push({ partition, message });
    }),
  );
  return found;
}

async function rangesOf(kafka: Kafka, topic: string, since?: Date): Promise<OffsetRange[]> {
  try {
    return await offsetRangesSince(kafka, topic, since);
  } catch (error) {
    if (error instanceof UnknownTopicError) {
      throw new DlqError(`there is no topic ${topic}: nothing was ever dead-lettered there, or the name is wrong (dlq list --all lists every DLQ)`);
    }
    throw error;
  }
}
