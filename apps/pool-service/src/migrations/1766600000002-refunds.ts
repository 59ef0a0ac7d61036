import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds (issue 15 §1). `refunded_line` keeps every refunded line, also one whose
 * AllocationRequested has not come yet (it is then recorded `cancelled`, never served). A held
 * line of a refunded order is `cancelled`; a sold license may be `revoked` (never sold again,
 * still tied to its line). Each pool has a refund policy for its delivered lines.
 */
export class Refunds1766600000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE refunded_line (
        order_id    text        NOT NULL,
        line_id     text        NOT NULL,
        merchant_id text        NOT NULL,
        emailed     boolean     NOT NULL,
        reason      text        NOT NULL,
        refunded_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        outcome     text,
        PRIMARY KEY (order_id, line_id)
      )`);
    await queryRunner.query(`ALTER TABLE allocation DROP CONSTRAINT allocation_status_check`);
    await queryRunner.query(
      `ALTER TABLE allocation ADD CONSTRAINT allocation_status_check CHECK (status IN ('allocated', 'awaiting_stock', 'unroutable', 'cancelled'))`,
    );
    await queryRunner.query(`ALTER TABLE allocation ADD COLUMN refunded_at timestamptz`);
    await queryRunner.query(`ALTER TABLE license DROP CONSTRAINT license_status_check`);
    await queryRunner.query(`ALTER TABLE license DROP CONSTRAINT license_check`);
    await queryRunner.query(`ALTER TABLE license ADD CONSTRAINT license_status_check CHECK (status IN ('available', 'allocated', 'withdrawn', 'revoked'))`);
    await queryRunner.query(`ALTER TABLE license ADD CONSTRAINT license_check CHECK ((status IN ('allocated', 'revoked')) = (allocation_id IS NOT NULL))`);
    await queryRunner.query(`ALTER TABLE license ADD COLUMN revoked_at timestamptz`);
    await queryRunner.query(`
      ALTER TABLE pool ADD COLUMN refund_policy text NOT NULL DEFAULT 'revoke'
        CHECK (refund_policy IN ('revoke', 'return_if_unsent', 'keep'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE pool DROP COLUMN refund_policy`);
    await queryRunner.query(`UPDATE license SET status = 'withdrawn', withdrawn_at = revoked_at, allocation_id = NULL WHERE status = 'revoked'`);
    await queryRunner.query(`ALTER TABLE license DROP COLUMN revoked_at`);
    await queryRunner.query(`ALTER TABLE license DROP CONSTRAINT license_check`);
    await queryRunner.query(`ALTER TABLE license DROP CONSTRAINT license_status_check`);
    await queryRunner.query(`ALTER TABLE license ADD CONSTRAINT license_status_check CHECK (status IN ('available', 'allocated', 'withdrawn'))`);
    await queryRunner.query(`ALTER TABLE license ADD CONSTRAINT license_check CHECK ((status = 'allocated') = (allocation_id IS NOT NULL))`);
    await queryRunner.query(`DELETE FROM allocation WHERE status = 'cancelled'`);
    await queryRunner.query(`ALTER TABLE allocation DROP COLUMN refunded_at`);
    await queryRunner.query(`ALTER TABLE allocation DROP CONSTRAINT allocation_status_check`);
    await queryRunner.query(`ALTER TABLE allocation ADD CONSTRAINT allocation_status_check CHECK (status IN ('allocated', 'awaiting_stock', 'unroutable'))`);
    await queryRunner.query(`DROP TABLE refunded_line`);
  }
}
