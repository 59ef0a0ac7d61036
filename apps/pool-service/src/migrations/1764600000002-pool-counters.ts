import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Running totals of what only ever grows (licenses sold or withdrawn, lines served) on the
 * pool row, kept in the same transactions that change them. Pool views and the /metrics
 * gauges used to count every license a pool ever had on each request and scrape, a cost that
 * grows with sales; now they count only what is in stock or held (partial indexes) and read
 * the rest from here. The allocator already holds the pool's row lock, so this adds no waiting.
 */
export class PoolCounters1764600000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE pool
        ADD COLUMN allocated_licenses bigint NOT NULL DEFAULT 0,
        ADD COLUMN withdrawn_licenses bigint NOT NULL DEFAULT 0,
        ADD COLUMN allocated_lines    bigint NOT NULL DEFAULT 0`);
    await queryRunner.query(`
      UPDATE pool p SET
        allocated_licenses = (SELECT count(*) FROM license l WHERE l.pool_id = p.id AND l.status = 'allocated'),
        withdrawn_licenses = (SELECT count(*) FROM license l WHERE l.pool_id = p.id AND l.status = 'withdrawn'),
        allocated_lines    = (SELECT count(*) FROM allocation a WHERE a.pool_id = p.id AND a.status = 'allocated')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE pool DROP COLUMN allocated_licenses, DROP COLUMN withdrawn_licenses, DROP COLUMN allocated_lines`);
  }
}
