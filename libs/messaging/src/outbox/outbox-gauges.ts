import type { DataSource } from 'typeorm';
import type { Metrics } from '@keypool/platform';

const SHARED_READ_MS = 1000;

/**
 * What the relay still has to publish, read at scrape time from the partial index on unpublished,
 * unparked rows (proportional to the backlog, not to the table): how many rows, and how long the
 * oldest has waited (0 when none). Parked rows are keypool_outbox_parked's, not the backlog's.
 * A scrape while the database is away keeps the last figures rather than failing.
 */
export function registerOutboxGauges(metrics: Metrics, dataSource: DataSource): void {
  let shared: { at: number; row: Promise<{ backlog: number; oldest_seconds: number } | undefined> } | undefined;
  const read = () => {
    if (!shared || Date.now() - shared.at >= SHARED_READ_MS) {
      shared = {
        at: Date.now(),
        row: dataSource
          .query(
            `SELECT count(*)::int AS backlog,
                    coalesce(extract(epoch FROM now() - (SELECT created_at FROM outbox
                       WHERE published_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT 1)), 0)::float8 AS oldest_seconds
               FROM outbox WHERE published_at IS NULL AND parked_at IS NULL`,
          )
          .then(
            (rows: { backlog: number; oldest_seconds: number }[]) => rows[0],
            () => undefined,
          ),
      };
    }
    return shared.row;
  };
  metrics.gauge('keypool_outbox_backlog', 'Outbox events written and not yet published (parked ones excluded)', [], async function () {
    const row = await read();
    if (row) this.set(row.backlog);
  });
  metrics.gauge(
    'keypool_outbox_oldest_age_seconds',
    'Age of the oldest outbox event not yet published (0 when none waits; parked ones excluded)',
    [],
    async function () {
      const row = await read();
      if (row) this.set(Math.max(0, row.oldest_seconds));
    },
  );
}
