import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `refunded_line` is pruned after REFUNDED_LINE_RETENTION_DAYS (issue 15 follow-up): the pruner
 * finds old rows by this index instead of scanning the table. Refunds are rare, so the index costs
 * little on their insert.
 */
export class RefundedLineByAge1767100000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX refunded_line_by_age ON refunded_line (received_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX refunded_line_by_age`);
  }
}
