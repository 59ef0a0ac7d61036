import type { DataSource } from 'typeorm';

/** One key for every keypool database: each service has its own database, so they never meet. */
export const MIGRATION_LOCK_KEY = 0x6b70_6d67; // 'kpmg'

/**
 * Runs the pending migrations while holding a PostgreSQL advisory lock, so instances starting
 * together migrate one after the other: TypeORM's own run takes no lock on PostgreSQL, and two
 * runs would both apply the same migration. The lock is a session lock on one dedicated
 * connection, released when the run ends or, should the process die, when the connection does.
 */
export async function runMigrationsUnderLock(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
