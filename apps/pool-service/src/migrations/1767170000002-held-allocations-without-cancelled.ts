import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Held lines only: allocation_held_by_merchant also held the cancelled (refunded) allocations,
 * which only grow, so keypool_pool_order_lines, GET /v1/held-lines and the reroute of held lines
 * (all `status <> 'allocated' AND status <> 'cancelled'`) read past every refund ever made. Same
 * name and columns, narrower predicate: a scan costs in proportion to the lines that wait.
 */
export class HeldAllocationsWithoutCancelled1767170000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX allocation_held_by_merchant`);
    await queryRunner.query(`CREATE INDEX allocation_held_by_merchant ON allocation (merchant_id, seq) WHERE status <> 'allocated' AND status <> 'cancelled'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX allocation_held_by_merchant`);
    await queryRunner.query(`CREATE INDEX allocation_held_by_merchant ON allocation (merchant_id, seq) WHERE status <> 'allocated'`);
  }
}
