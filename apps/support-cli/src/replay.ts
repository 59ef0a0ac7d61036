import type { Kafka } from 'kafkajs';
import type { LicenseAllocatedData } from '@keypool/contracts';
import { InboundEnvelope, PRODUCER_SETTINGS, contractDecoder, contractEvent, kafkaMessageOf, sourceOf } from '@keypool/messaging';
import { offsetRangesSince, readOffsetRanges } from '@keypool/operations';
import { type ProgressFactory, noProgress } from './progress';

export const SUPPORT_SOURCE = sourceOf('support-cli');

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
export async function replayLicenseEmails(
  kafka: Kafka,
  topic: string,
  filter: ReplayFilter,
  publish: boolean,
  progress: ProgressFactory = noProgress,
): Promise<ReplayReport> {
  const until = filter.until ?? new Date();
  const originals = new Map<string, InboundEnvelope<LicenseAllocatedData>>();
  const timestamps = new Map<string, string>();
  const report: ReplayReport = { topic, scanned: 0, skippedResends: 0, invalid: 0, lines: [], published: false };
  const decode = contractDecoder({ [topic]: 'LicenseAllocated' });
  const merchants = filter.merchantIds?.length ? new Set(filter.merchantIds) : undefined;
  const orders = filter.orderIds?.length ? new Set(filter.orderIds) : undefined;

  const ranges = await offsetRangesSince(kafka, topic, filter.since);
  const reading = progress(
    `reading ${topic}`,
    ranges.reduce((sum, r) => sum + Math.max(0, r.end - r.start), 0),
  );
  let read = 0;
  await readOffsetRanges(kafka, topic, ranges, (_partition, message) => {
    reading.update(++read);
    const at = Number(message.timestamp);
    if (at < filter.since.getTime() || at >= until.getTime()) return;
    report.scanned++;
    const decoded = decode(topic, message.value);
    if (!decoded.ok) return void report.invalid++;
    const event = decoded.envelope;
    if (event.resendof) return void report.skippedResends++;
    if (merchants && !merchants.has(event.data.merchantId)) return;
    if (orders && !orders.has(event.data.orderId)) return;
    originals.set(event.id, event);
    timestamps.set(event.id, new Date(Number(message.timestamp)).toISOString());
  });
  reading.done();

  const resends = [...originals.values()].map((original) =>
    contractEvent('LicenseAllocated', original.data, { producer: 'support-cli', topics: { licenseAllocated: topic }, resendof: original.id }),
  );
  report.lines = resends.map(({ envelope: resend }) => ({
    orderId: resend.data.orderId,
    lineId: resend.data.lineId,
    merchantId: resend.data.merchantId,
    productId: resend.data.productId,
    original: resend.resendof!,
    originalAt: timestamps.get(resend.resendof!)!,
    ...(publish ? { resend: resend.id } : {}),
  }));
  if (publish && resends.length > 0) {
    const producer = kafka.producer({ ...PRODUCER_SETTINGS });
    await producer.connect();
    const sending = progress(`publishing resends to ${topic}`, resends.length);
    try {
      for (let i = 0; i < resends.length; i += 500) {
        const messages = resends.slice(i, i + 500).map(kafkaMessageOf);
        await producer.send({ topic, acks: -1, messages });
        sending.update(Math.min(resends.length, i + 500));
      }
    } finally {
      sending.done();
      await producer.disconnect();
    }
  }
  report.published = publish && resends.length > 0;
  return report;
}
