import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Duplicate detection now hashes a license's NFKC form (hash version 2). The hash is keyed and
 * the values are sealed, so SQL cannot recompute it: existing rows are marked version 1 and
 * rehashed by the service (LicenseHashUpgrade: in batches at start-up, and a merchant's own rows
 * inline before each of its imports). The default stays 1 so that rows an older instance still
 * writes during a rolling deploy are picked up too; the partial index finds them in O(left).
 */
export class LicenseHashVersion1765500000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE license ADD COLUMN hash_version smallint NOT NULL DEFAULT 1`);
    await queryRunner.query(`CREATE INDEX license_hash_outdated ON license (merchant_id) WHERE hash_version < 2`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX license_hash_outdated`);
    await queryRunner.query(`ALTER TABLE license DROP COLUMN hash_version`);
  }
}
