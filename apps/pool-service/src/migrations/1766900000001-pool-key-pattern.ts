import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Key format per pool (issue 15 §4): an optional pattern every imported line must match whole
 * (RE2 syntax, checked with re2js in linear time). NULL: no format check. Bounded here as in the API.
 */
export class PoolKeyPattern1766900000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE pool ADD COLUMN key_pattern text CHECK (char_length(key_pattern) BETWEEN 1 AND 200)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE pool DROP COLUMN key_pattern`);
  }
}
