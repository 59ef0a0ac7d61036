import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds (issue 15 §1): every OrderRefunded is kept in `order_refunds` (also one that came before
 * its order, applied when the order arrives); a refunded line records when and why, a held one is
 * `cancelled`; the order's `refund_status` says refunded or partially_refunded.
 */
export class Refunds1766600000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE order_refunds (
        seq          bigserial   PRIMARY KEY,
        event_id     text        NOT NULL UNIQUE,
        order_id     text        NOT NULL,
        merchant_id  text        NOT NULL,
        line_ids     text[],
        reason       text        NOT NULL,
        refunded_at  timestamptz NOT NULL,
        received_at  timestamptz NOT NULL DEFAULT now(),
        applied_at   timestamptz,
        outcome      text
      )`);
    await queryRunner.query(`CREATE INDEX order_refunds_pending ON order_refunds (order_id) WHERE applied_at IS NULL`);
    await queryRunner.query(`CREATE INDEX order_refunds_by_order ON order_refunds (order_id, seq)`);
    await queryRunner.query(`ALTER TABLE order_lines DROP CONSTRAINT order_lines_status_check`);
    await queryRunner.query(`
      ALTER TABLE order_lines ADD CONSTRAINT order_lines_status_check
        CHECK (status IN ('received', 'awaiting_stock', 'unroutable', 'allocated', 'delivered', 'email_failed', 'cancelled'))`);
    await queryRunner.query(`ALTER TABLE order_lines ADD COLUMN refunded_at timestamptz, ADD COLUMN refund_reason text`);
    await queryRunner.query(`
      ALTER TABLE orders ADD COLUMN refund_status text CHECK (refund_status IN ('refunded', 'partially_refunded'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orders DROP COLUMN refund_status`);
    await queryRunner.query(`ALTER TABLE order_lines DROP COLUMN refunded_at, DROP COLUMN refund_reason`);
    await queryRunner.query(`DELETE FROM order_lines WHERE status = 'cancelled'`);
    await queryRunner.query(`ALTER TABLE order_lines DROP CONSTRAINT order_lines_status_check`);
    await queryRunner.query(`
      ALTER TABLE order_lines ADD CONSTRAINT order_lines_status_check
        CHECK (status IN ('received', 'awaiting_stock', 'unroutable', 'allocated', 'delivered', 'email_failed'))`);
    await queryRunner.query(`DROP TABLE order_refunds`);
  }
}
