import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lines by status and since when (GET /v1/stuck-lines, keypool_order_lines_stuck): a line still
 * received or allocated after STUCK_LINE_AGE_MS is one range of this index. It replaces the index
 * on status alone, which every status query still uses through its first column, so a status
 * change keeps costing one index entry, not two.
 */
export class OrderLinesByStatusSince1765200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX order_lines_by_status_since ON order_lines (status, status_at)`);
    await queryRunner.query(`DROP INDEX order_lines_by_status`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX order_lines_by_status ON order_lines (status)`);
    await queryRunner.query(`DROP INDEX order_lines_by_status_since`);
  }
}
