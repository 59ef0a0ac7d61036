import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who imported an upload (issue 15 §2: the ledger's "imported" entry names the upload and the
 * key): the API key's id (`key_…`, a digest's prefix, never the key) and the caller's kind.
 * Null for uploads made before this migration.
 */
export class UploadKey1767200000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE upload
        ADD COLUMN key_id      text CHECK (char_length(key_id) <= 100),
        ADD COLUMN caller_kind text CHECK (caller_kind IN ('merchant', 'support'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE upload DROP COLUMN key_id, DROP COLUMN caller_kind`);
  }
}
