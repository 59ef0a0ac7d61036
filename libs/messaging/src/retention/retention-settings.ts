import { ConfigurationError } from '@keypool/platform';
import type { RetentionPrunerOptions } from './retention-pruner';
import type { RetentionTable } from './retention-table';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** The retention settings every service has (libs/platform's commonEnv). */
export interface RetentionEnv {
  INBOX_RETENTION_DAYS: number;
  KAFKA_TOPIC_RETENTION_DAYS: number;
  OUTBOX_RETENTION_HOURS: number;
  RETENTION_INTERVAL_MS: number;
  RETENTION_BATCH_SIZE: number;
  RETENTION_BATCH_PAUSE_MS: number;
}

/**
 * The inbox and the published outbox rows. An event can come again for as long as its topic
 * keeps it: a consumer group whose offsets were lost (or expired after a long pause) starts from
 * the beginning of the topic, so the inbox must remember an id at least that long, or a
 * redelivery would have a second effect. Parked outbox rows are never pruned: they wait for a person.
 */
export function messagingRetentionTables(env: RetentionEnv): RetentionTable[] {
  if (env.INBOX_RETENTION_DAYS < env.KAFKA_TOPIC_RETENTION_DAYS) {
    throw new ConfigurationError([
      `INBOX_RETENTION_DAYS (${env.INBOX_RETENTION_DAYS}) must be >= KAFKA_TOPIC_RETENTION_DAYS (${env.KAFKA_TOPIC_RETENTION_DAYS}): an event still in its topic can be delivered again, and only the inbox stops its second effect`,
    ]);
  }
  return [
    { table: 'inbox', timeColumn: 'received_at', retentionMs: env.INBOX_RETENTION_DAYS * DAY_MS, find: { by: 'index' } },
    { table: 'outbox', timeColumn: 'published_at', retentionMs: env.OUTBOX_RETENTION_HOURS * HOUR_MS, find: { by: 'index' } },
  ];
}

export function prunerSchedule(env: RetentionEnv): Pick<RetentionPrunerOptions, 'intervalMs' | 'batchSize' | 'pauseMs'> {
  return { intervalMs: env.RETENTION_INTERVAL_MS, batchSize: env.RETENTION_BATCH_SIZE, pauseMs: env.RETENTION_BATCH_PAUSE_MS };
}

/** A table whose retention must cover the inbox's, because it de-duplicates by event id too. */
export function atLeastInbox(name: string, days: number, env: RetentionEnv): number {
  if (days < env.INBOX_RETENTION_DAYS) {
    throw new ConfigurationError([
      `${name} (${days}) must be >= INBOX_RETENTION_DAYS (${env.INBOX_RETENTION_DAYS}): its rows de-duplicate by event id as well`,
    ]);
  }
  return days * DAY_MS;
}

/** The reveal log (libs/platform's reveal_audit), where a service keeps one. */
export function revealAuditRetention(days: number): RetentionTable {
  return { table: 'reveal_audit', timeColumn: 'at', retentionMs: days * DAY_MS, find: { by: 'key', key: 'id' } };
}
