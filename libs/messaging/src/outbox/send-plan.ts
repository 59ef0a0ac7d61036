import type { IHeaders } from 'kafkajs';

/**
 * How much the relay puts in one `sendBatch`. The broker checks each partition's record batch
 * against `message.max.bytes` (1,048,588 by default) and refuses an oversized one with
 * MESSAGE_TOO_LARGE, which no retry cures; kafkajs has no request size limit of its own.
 */
export interface SendLimits {
  /** Bytes one partition may receive in one send, well below the broker's `message.max.bytes`. */
  maxPartitionBytes: number;
  /** Bytes of one whole send (one produce request to the broker). */
  maxSendBytes: number;
}

export const DEFAULT_SEND_LIMITS: SendLimits = { maxPartitionBytes: 512 * 1024, maxSendBytes: 4 * 1024 * 1024 };

/**
 * A record bigger than this is never sent: one record alone in its batch would be over the
 * broker's default `message.max.bytes` (1,048,588 less the 61-byte batch header).
 */
export const DEFAULT_MAX_RECORD_BYTES = 1_048_588 - 61;

export interface SizedRecord {
  /** Upper bound of the record's size in its batch; see `recordBytes`. */
  bytes: number;
  /** Topic and partition, as the producer's partitioner will choose them. */
  partition: string;
}

/**
 * Cuts records, in outbox order, into consecutive sends: a send closes when the next record
 * would take its partition past `maxPartitionBytes` or the send past `maxSendBytes`. The sends
 * stay consecutive (never reordered to pack tighter) so that, sent one after another, they keep
 * every key's order and the outbox's order across topics. A record over a limit goes alone.
 */
export function planSends<T extends SizedRecord>(records: readonly T[], limits: SendLimits): T[][] {
  const sends: T[][] = [];
  let current: T[] = [];
  let sendBytes = 0;
  const partitionBytes = new Map<string, number>();
  const close = () => {
    if (current.length > 0) sends.push(current);
    current = [];
    sendBytes = 0;
    partitionBytes.clear();
  };
  for (const record of records) {
    const inPartition = partitionBytes.get(record.partition) ?? 0;
    const alone = record.bytes > limits.maxPartitionBytes || record.bytes > limits.maxSendBytes;
    if (alone || sendBytes + record.bytes > limits.maxSendBytes || inPartition + record.bytes > limits.maxPartitionBytes) close();
    current.push(record);
    sendBytes += record.bytes;
    partitionBytes.set(record.partition, (partitionBytes.get(record.partition) ?? 0) + record.bytes);
    if (alone) close();
  }
  close();
  return sends;
}

// A v2 record: length, attributes, timestamp and offset deltas, key and value lengths and the
// header count as varints (at most 36 bytes together), then per header two varint lengths.
const RECORD_FRAMING = 36;
const HEADER_FRAMING = 10;

/**
 * An upper bound of a record's size inside a record batch, before compression (we send none).
 * It runs for every record the relay sends, so it counts in place: no arrays of entries or values.
 */
export function recordBytes(key: string, value: Buffer, headers: IHeaders): number {
  let bytes = RECORD_FRAMING + Buffer.byteLength(key) + value.length;
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const values = headers[name];
    const framing = HEADER_FRAMING + Buffer.byteLength(name);
    if (Array.isArray(values)) for (const text of values) bytes += framing + Buffer.byteLength(text);
    else bytes += framing + Buffer.byteLength(values ?? '');
  }
  return bytes;
}
