import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Uploads (issue 15 §3). Every committed import is a row of `upload` with its optional label and
 * its report (counts and line numbers, never values); each license it stored names it in
 * `upload_id` (null for licenses imported before this migration), so the upload can be recalled.
 */
export class Uploads1767000000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE upload (
        id          uuid        PRIMARY KEY,
        pool_id     uuid        NOT NULL REFERENCES pool (id),
        merchant_id text        NOT NULL,
        label       text        CHECK (char_length(label) BETWEEN 1 AND 200),
        report      jsonb       NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        recalled_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX upload_by_pool ON upload (pool_id, id)`);
    await queryRunner.query(`ALTER TABLE license ADD COLUMN upload_id uuid`);
    await queryRunner.query(`CREATE INDEX license_by_upload ON license (upload_id) WHERE upload_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE license DROP COLUMN upload_id`);
    await queryRunner.query(`DROP TABLE upload`);
  }
}
