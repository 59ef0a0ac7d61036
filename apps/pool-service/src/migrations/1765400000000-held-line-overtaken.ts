import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A held line that does not fit the stock is passed over so later lines are served; this counts
 * the licenses later lines took ahead of it, so the queue can keep new stock for it once the
 * count reaches HELD_LINE_RESERVE_AFTER (no line starves behind smaller ones).
 */
export class HeldLineOvertaken1765400000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE allocation ADD COLUMN overtaken integer NOT NULL DEFAULT 0 CHECK (overtaken >= 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE allocation DROP COLUMN overtaken`);
  }
}
