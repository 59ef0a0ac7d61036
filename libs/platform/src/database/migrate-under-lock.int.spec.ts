import { freshDatabase, type TestDatabase } from '@keypool/testing';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { runMigrationsUnderLock } from './migrate-under-lock';

/** A migration that cannot run twice, slow enough for a second instance to start it meanwhile. */
class CreateLockProbe1700000000001 implements MigrationInterface {
  name = 'CreateLockProbe1700000000001';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE lock_probe (id int PRIMARY KEY)');
    await queryRunner.query('SELECT pg_sleep(0.3)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE lock_probe');
  }
}

async function twoInstances(db: TestDatabase): Promise<DataSource[]> {
  const options = { type: 'postgres' as const, url: db.url, migrations: [CreateLockProbe1700000000001], migrationsRun: false, logging: false };
  return Promise.all([new DataSource(options).initialize(), new DataSource(options).initialize()]);
}

describe('migrations of instances that start together (real PostgreSQL)', () => {
  const opened: DataSource[] = [];
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((dataSource) => dataSource.destroy()));
    await Promise.all(databases.map((db) => db.drop()));
  });

  async function instancesOnFreshDatabase(label: string): Promise<DataSource[]> {
    const db = await freshDatabase(label);
    databases.push(db);
    const instances = await twoInstances(db);
    opened.push(...instances);
    return instances;
  }

  it('collide without a lock: both apply the same migration and one fails (why the lock exists)', async () => {
    const [a, b] = await instancesOnFreshDatabase('migrate_nolock');
    const outcomes = await Promise.allSettled([a.runMigrations({ transaction: 'each' }), b.runMigrations({ transaction: 'each' })]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('run one after the other under the advisory lock: the migration is applied once, the lock released', async () => {
    const [a, b] = await instancesOnFreshDatabase('migrate_lock');
    await Promise.all([runMigrationsUnderLock(a), runMigrationsUnderLock(b)]);
    expect(await a.query('SELECT name FROM migrations')).toEqual([{ name: 'CreateLockProbe1700000000001' }]);
    expect(await b.query('SELECT count(*)::int AS n FROM lock_probe')).toEqual([{ n: 0 }]);
    const held = await a.query(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(held).toEqual([{ n: 0 }]);
    expect(await b.showMigrations()).toBe(false);
  });
});
