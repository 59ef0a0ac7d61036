import { ConfigurationError, serviceEnvSchema, validateEnv } from '@keypool/platform';
import { testServiceEnv } from '@keypool/testing';
import { DAY_MS, HOUR_MS, messagingRetentionTables } from './retention-settings';
import { checkRetentionTable } from './retention-table';

const settings = (extra: Record<string, string> = {}) =>
  validateEnv(serviceEnvSchema({}), testServiceEnv('postgres://postgres@127.0.0.1:5432/unused', 't', extra));

describe('retention settings', () => {
  it('keeps consumed event ids 14 days and published outbox rows 1 hour unless told otherwise', () => {
    const tables = messagingRetentionTables(settings());
    expect(tables.map((t) => [t.table, t.retentionMs])).toEqual([
      ['inbox', 14 * DAY_MS],
      ['outbox', HOUR_MS],
    ]);
  });

  it('refuses an inbox retention under the 7-day floor', () => {
    expect(() => settings({ INBOX_RETENTION_DAYS: '3' })).toThrow(/INBOX_RETENTION_DAYS must be >= 7/);
  });

  it('refuses an inbox retention shorter than the retention of the topics it consumes', () => {
    const config = settings({ INBOX_RETENTION_DAYS: '10', KAFKA_TOPIC_RETENTION_DAYS: '30' });
    expect(() => messagingRetentionTables(config)).toThrow(ConfigurationError);
    expect(() => messagingRetentionTables(config)).toThrow(/INBOX_RETENTION_DAYS \(10\) must be >= KAFKA_TOPIC_RETENTION_DAYS \(30\)/);
  });

  it('lets only plain names into the SQL', () => {
    const table = { table: 'inbox', timeColumn: 'received_at', retentionMs: DAY_MS, find: { by: 'index' } } as const;
    expect(() => checkRetentionTable({ ...table, table: 'inbox; DROP TABLE orders' })).toThrow(/not a plain table or column name/);
    expect(() => checkRetentionTable({ ...table, retentionMs: -1 })).toThrow(/>= 0/);
  });
});
