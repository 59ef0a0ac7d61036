import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { dataschemaOf, type LicenseAllocatedData } from '@keypool/contracts';
import { Envelope, cloudEventHeaders, contractDecoder, envelope } from '@keypool/messaging';

export const SUPPORT_SOURCE = 'keypool/support-cli';

/** Which original e-mails to send again: a time window of the topic, optionally narrowed. */
export interface ReplayFilter {
  /** Broker timestamps at or after this instant. */
  since: Date;
  /** Broker timestamps before this instant; default: now. */
  until?: Date;
  merchantIds?: string[];
  orderIds?: string[];
}

export interface ReplayLine {
  orderId: string;
  lineId: string;
  merchantId: string;
  productId: string;
  /** The original LicenseAllocated the resend repeats. */
  original: string;
  originalAt: string;
  /** The new event's id; present once published. */
  resend?: string;
}

export interface ReplayReport {
  topic: string;
  scanned: number;
  /** Resends already on the topic: never replayed (a replay repeats originals only). */
  skippedResends: number;
  /** Messages that are not a valid LicenseAllocated: left alone, counted. */
  invalid: number;
  lines: ReplayLine[];
  published: boolean;
}

/**
 * Reads `topic` (license-allocated) over the window and, for every original LicenseAllocated
 * that matches, builds a resend: the same data, a new id and `resendof` = the original's id.
 * Notification e-mails each resend exactly once (its inbox drops a resend delivered twice);
 * order-fulfillment records it in the order's e-mail history. With `publish` false nothing is
 * written: the report says what would be sent. License values are never part of the report.
 */
export async function replayLicenseEmails(kafka: Kafka, topic: string, filter: ReplayFilter, publish: boolean): Promise<ReplayReport> {
  const until = filter.until ?? new Date();
  const originals = new Map<string, Envelope<LicenseAllocatedData>>();
  const timestamps = new Map<string, string>();
  const report: ReplayReport = { topic, scanned: 0, skippedResends: 0, invalid: 0, lines: [], published: false };
  const decode = contractDecoder({ [topic]: 'LicenseAllocated' });
  const merchants = filter.merchantIds?.length ? new Set(filter.merchantIds) : undefined;
  const orders = filter.orderIds?.length ? new Set(filter.orderIds) : undefined;

  await readWindow(kafka, topic, filter.since, until, (message) => {
    report.scanned++;
    const decoded = decode(topic, message.value);
    if (!decoded.ok) return void report.invalid++;
    const event = decoded.envelope as unknown as Envelope<LicenseAllocatedData>;
    if (event.resendof) return void report.skippedResends++;
    if (merchants && !merchants.has(event.data.merchantId)) return;
    if (orders && !orders.has(event.data.orderId)) return;
    originals.set(event.id, event);
    timestamps.set(event.id, new Date(Number(message.timestamp)).toISOString());
  });

  const resends = [...originals.values()].map((original) =>
    envelope({ type: 'LicenseAllocated', source: SUPPORT_SOURCE, dataschema: dataschemaOf('LicenseAllocated'), data: original.data, resendof: original.id, id: randomUUID() }),
  );
  report.lines = resends.map((resend) => ({
    orderId: resend.data.orderId,
    lineId: resend.data.lineId,
    merchantId: resend.data.merchantId,
    productId: resend.data.productId,
    original: resend.resendof!,
    originalAt: timestamps.get(resend.resendof!)!,
    ...(publish ? { resend: resend.id } : {}),
  }));
  if (publish && resends.length > 0) {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (let i = 0; i < resends.length; i += 500) {
        const messages = resends.slice(i, i + 500).map((e) => ({ key: e.data.orderId, value: JSON.stringify(e), headers: cloudEventHeaders() }));
        await producer.send({ topic, acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }
  }
  report.published = publish && resends.length > 0;
  return report;
}

/**
 * Calls `visit` for each message of `topic` whose broker timestamp lies in [since, until),
 * reading each partition from the first offset at `since` up to the end it had when the read
 * began. A throwaway consumer group that commits nothing, deleted afterwards.
 */
async function readWindow(kafka: Kafka, topic: string, since: Date, until: Date, visit: (message: KafkaMessage) => void): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `keypool-support-replay-${randomUUID()}`;
  try {
    const ranges = await partitionRanges(admin, topic, since);
    const pending = new Set(ranges.filter((r) => r.start < r.end).map((r) => r.partition));
    if (pending.size === 0) return;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
    await consumer.connect();
    try {
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      await consumer.subscribe({ topics: [topic] });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        // On a re-join (a rebalance) the read resumes after what it already saw.
        for (const r of ranges) if (pending.has(r.partition)) consumer.seek({ topic, partition: r.partition, offset: String(Math.max(r.start, r.seen + 1)) });
      });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const range = ranges.find((r) => r.partition === batch.partition)!;
          let pastEnd = false;
          for (const message of batch.messages) {
            const offset = Number(message.offset);
            if (offset >= range.end) pastEnd = true;
            // Before the seek takes effect a fetch may start at the live end: ignore it. After a
            // rebalance the group seeks again, so records already read are skipped, not counted twice.
            if (offset < range.start || offset >= range.end || offset <= range.seen) continue;
            range.seen = offset;
            const at = Number(message.timestamp);
            if (at >= since.getTime() && at < until.getTime()) visit(message);
          }
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

interface PartitionRange {
  partition: number;
  /** First offset to read (the first at or after `since`). */
  start: number;
  /** The partition's end when the read began: offsets from here on are not read. */
  end: number;
  /** Highest offset read so far within [start, end). */
  seen: number;
}

async function partitionRanges(admin: Admin, topic: string, since: Date): Promise<PartitionRange[]> {
  const [starts, ends] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, since.getTime()), admin.fetchTopicOffsets(topic)]);
  return ends.map(({ partition, high }) => {
    const start = Number(starts.find((s) => s.partition === partition)?.offset ?? high);
    // -1 from the broker: no message at or after `since` in this partition.
    const first = start < 0 ? Number(high) : start;
    return { partition, start: first, end: Number(high), seen: first - 1 };
  });
}
