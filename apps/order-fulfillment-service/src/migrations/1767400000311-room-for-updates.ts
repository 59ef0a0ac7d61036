import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Room on each page for the new versions of rows updated in place (issue 11, cost with history).
 * An order is updated once (received → fulfilled) and no index names status or fulfilled_at, so
 * the update can be HOT, with no new entry in any index (orders_by_customer_email's key is a
 * customer's address, a random leaf of a large index), but only if the new version fits on the
 * row's own page, which at the default fillfactor of 100 is full by then. A line is updated three
 * to four times within seconds: the status changes cannot be HOT (order_lines_by_status_since
 * names status), setting the allocation and the delivered licenses can, and a new version that
 * fits on its page needs no other page found through the free-space map.
 * Measured on 500-order bursts (tools/bench/history.ts, HOT updates of all updates): orders 2-3 %
 * at 100, 15 % at 90, 43-50 % at 70; order_lines 1-3 % at 100, 11-12 % at 80, 12-34 % at 50.
 * The heap of both grows by up to 1/0.7. fillfactor applies to pages filled from now on.
 */
export class RoomForUpdates1767400000311 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orders SET (fillfactor = 70)`);
    await queryRunner.query(`ALTER TABLE order_lines SET (fillfactor = 70)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE order_lines RESET (fillfactor)`);
    await queryRunner.query(`ALTER TABLE orders RESET (fillfactor)`);
  }
}
