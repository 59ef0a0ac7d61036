import type { IHeaders, KafkaMessage } from 'kafkajs';

/** The headers a consumer adds when it dead-letters a message (libs/messaging dead-letters.ts). */
export const DLQ_HEADER_PREFIX = 'dlq-';

/** One record of a `<topic>.dlq`, as support may see it: never a license value, never event data. */
export interface DeadLetterSummary {
  /** Where the record sits in the DLQ: `redrive` and `show` take it as `<partition>:<offset>`. */
  partition: number;
  offset: string;
  key: string | null;
  /** The event's id and CloudEvents type, or the size of a value that is not a CloudEvent. */
  event: { id: string; type: string } | { undecodableBytes: number };
  reason: string;
  original: { topic: string; partition: number | null; offset: string | null };
  consumerGroup: string | null;
  attempts: number | null;
  failedAt: string | null;
  /** Broker timestamp of the DLQ record (when it was dead-lettered), ms since the epoch. */
  timestamp: number;
}

export interface DeadLetterFilter {
  /** Dead-lettered at or after (broker timestamp). */
  since?: Date;
  /** CloudEvents type, exactly. */
  type?: string;
  /** A piece of the reason, any case. */
  reason?: string;
}

const REDACTED = '[redacted]';

/** Reads a DLQ record; `dlqTopic` names the original topic when a record lacks the header. */
export function summarizeDeadLetter(dlqTopic: string, partition: number, message: KafkaMessage): DeadLetterSummary {
  const event = parseEnvelope(message.value);
  const secrets = event ? licenseValuesOf(event['data']) : [];
  const header = (name: string) => headerText(message.headers, name);
  const originalPartition = header('dlq-original-partition');
  const attempts = header('dlq-attempts');
  return {
    partition,
    offset: message.offset,
    key: message.key ? message.key.toString('utf8') : null,
    event:
      event && typeof event['id'] === 'string' && typeof event['type'] === 'string'
        ? { id: event['id'], type: event['type'] }
        : { undecodableBytes: message.value?.length ?? 0 },
    reason: redact(header('dlq-reason') ?? '(no dlq-reason header)', secrets),
    original: {
      topic: header('dlq-original-topic') ?? dlqTopic.replace(/\.dlq$/, ''),
      partition: originalPartition !== undefined && /^\d+$/.test(originalPartition) ? Number(originalPartition) : null,
      offset: header('dlq-original-offset') ?? null,
    },
    consumerGroup: header('dlq-consumer-group') ?? null,
    attempts: attempts !== undefined && /^\d+$/.test(attempts) ? Number(attempts) : null,
    failedAt: header('dlq-failed-at') ?? null,
    timestamp: Number(message.timestamp),
  };
}

export function matchesDeadLetter(record: DeadLetterSummary, filter: DeadLetterFilter): boolean {
  if (filter.since && record.timestamp < filter.since.getTime()) return false;
  if (filter.type !== undefined && !('type' in record.event && record.event.type === filter.type)) return false;
  if (filter.reason !== undefined && !record.reason.toLowerCase().includes(filter.reason.toLowerCase())) return false;
  return true;
}

/**
 * A record in full for `dlq show`: every header (dlq-* included, license values blanked) and the
 * event's attributes, but of its `data` only the field names: data carries licenses and the
 * customer's address, and support reads those through the order API, where access is checked.
 */
export function describeDeadLetter(dlqTopic: string, partition: number, message: KafkaMessage): Record<string, unknown> {
  const summary = summarizeDeadLetter(dlqTopic, partition, message);
  const event = parseEnvelope(message.value);
  const secrets = event ? licenseValuesOf(event['data']) : [];
  const headers = Object.fromEntries(Object.keys(message.headers ?? {}).map((name) => [name, redact(headerText(message.headers, name) ?? '', secrets)]));
  const value = event
    ? {
        ...Object.fromEntries(
          Object.entries(event)
            .filter(([name]) => name !== 'data')
            .map(([name, v]) => [name, typeof v === 'string' ? redact(v, secrets) : v]),
        ),
        ...('data' in event ? { dataFields: fieldNames(event['data']) } : {}),
      }
    : { undecodable: true, bytes: message.value?.length ?? 0 };
  return { ...summary, headers, value };
}

/** The headers a redriven record carries: the original ones, without what the DLQ added. */
export function originalHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !name.toLowerCase().startsWith(DLQ_HEADER_PREFIX)));
}

/** `data`'s field paths, e.g. `licenses[].value`: what the event held, without a single value. */
export function fieldNames(data: unknown, path = ''): string[] {
  if (Array.isArray(data)) {
    const items = [...new Set(data.flatMap((item) => fieldNames(item, `${path}[]`)))];
    return [`${path}[] (${data.length})`, ...items.filter((p) => p !== `${path}[]`)];
  }
  if (data !== null && typeof data === 'object') {
    return Object.entries(data).flatMap(([name, value]) => {
      const nested = path ? `${path}.${name}` : name;
      return value !== null && typeof value === 'object' ? fieldNames(value, nested) : [nested];
    });
  }
  return path ? [path] : [];
}

function parseEnvelope(value: Buffer | null): Record<string, unknown> | undefined {
  if (!value || value.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The license values an event carries (`licenses`, `parentLicenses`): blanked wherever else they show. */
function licenseValuesOf(data: unknown): string[] {
  if (data === null || typeof data !== 'object') return [];
  return ['licenses', 'parentLicenses'].flatMap((field) => {
    const list = (data as Record<string, unknown>)[field];
    return Array.isArray(list) ? list.map((l) => (l as { value?: unknown } | null)?.value).filter((v): v is string => typeof v === 'string' && v !== '') : [];
  });
}

function redact(text: string, secrets: string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map((v) => v.toString()).join(',');
}
