import type { DeadLetterSummary, DlqListing, RedriveReport } from '@keypool/operations';

type Out = (line: string) => void;

const REASON_SHOWN = 300;

export function printListing(listing: DlqListing, now: number, out: Out): void {
  for (const record of listing.records) {
    out(`${listing.topic} ${recordLine(record, now)}`);
    const reason = record.reason.length > REASON_SHOWN ? `${record.reason.slice(0, REASON_SHOWN)}… (dlq show for all of it)` : record.reason;
    out(`    reason: ${reason}`);
  }
  const more = listing.more > 0 ? `; ${listing.more} more not shown (narrow with --since, --type or --reason, or raise --limit)` : '';
  out(`${listing.topic}: ${listing.scanned} dead letter(s) read, ${listing.records.length + listing.more} matched${more}`);
}

export function printRedrive(report: RedriveReport, now: number, out: Out): void {
  for (const record of report.records) out(`${report.topic} ${recordLine(record, now)} -> ${record.original.topic}`);
  if (report.sameOriginal > 0) {
    out(
      `${report.sameOriginal} record(s) repeat an original message already chosen (dead-lettered by more than one consumer group): each original is sent once`,
    );
  }
  const counts = Object.entries(report.perTopic)
    .map(([topic, n]) => `${n} to ${topic}`)
    .join(', ');
  if (report.records.length === 0) out(`${report.topic}: nothing matched, nothing sent`);
  else if (report.published) out(`${report.topic}: sent ${counts}`);
  else out(`${report.topic}: would send ${counts} (dry run; add --publish to send)`);
}

/** One line: where it is, how old, key, event, where it came from, who gave up on it. */
function recordLine(record: DeadLetterSummary, now: number): string {
  const event = 'id' in record.event ? `event ${record.event.id} ${record.event.type}` : `event undecodable (${record.event.undecodableBytes} bytes)`;
  const { topic, partition, offset } = record.original;
  const from = `from ${topic} ${partition ?? '?'}:${offset ?? '?'}`;
  return [
    `${record.partition}:${record.offset}`,
    `${age(now - record.timestamp)} ago`,
    `key ${record.key ?? '(none)'}`,
    event,
    from,
    `group ${record.consumerGroup ?? '?'}`,
    `attempts ${record.attempts ?? '?'}`,
  ].join('  ');
}

/** 45s, 12m, 3h05m, 2d04h: enough to tell a fresh dead letter from an old one. */
export function age(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}
