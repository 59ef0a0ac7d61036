import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The license ledger (issue 15 §2): what happened to each license after its import, oldest first.
 *
 * - "imported" is not a row: the license row has its upload and import time, so an import of a
 *   million keys writes no extra million rows (LicenseLedger derives the entry when it reads).
 * - allocated, returned, revoked and withdrawn come from a trigger on license status changes, so
 *   no code path (allocation, refund, single or bulk withdrawal, recall, a future one) can change
 *   a status without its entry; the code that changes a status may say why in the transaction
 *   setting `keypool.license_change` (JSON merged into the entry's detail: via, uploadId, keyId…).
 * - e-mailed, resent and revealed are facts the license row does not see: the EmailSent consumer
 *   and the reveal append them in their own transactions.
 *
 * Append-only: UPDATE and TRUNCATE are refused, and DELETE too unless the retention pruner's
 * transaction set `keypool.pruning` (LICENSE_LEDGER_RETENTION_DAYS, walking `seq` from its oldest
 * end, so the table needs no index on `at`).
 */
export class LicenseLedger1767200000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE license_ledger (
        seq         bigserial   PRIMARY KEY,
        license_id  uuid        NOT NULL,
        merchant_id text        NOT NULL,
        at          timestamptz NOT NULL DEFAULT now(),
        kind        text        NOT NULL CHECK (kind IN ('allocated', 'returned', 'revoked', 'withdrawn', 'emailed', 'resent', 'revealed', 'status_changed')),
        order_id    text,
        line_id     text,
        detail      jsonb       NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`CREATE INDEX license_ledger_by_license ON license_ledger (license_id, seq)`);
    await queryRunner.query(`
      CREATE FUNCTION license_ledger_on_status() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        order_ref text;
        line_ref  text;
        why       jsonb := coalesce(nullif(current_setting('keypool.license_change', true), '')::jsonb, '{}'::jsonb);
        change    text := CASE
          WHEN NEW.status = 'allocated' THEN 'allocated'
          WHEN NEW.status = 'revoked' THEN 'revoked'
          WHEN NEW.status = 'withdrawn' THEN 'withdrawn'
          WHEN NEW.status = 'available' AND OLD.status = 'allocated' THEN 'returned'
          ELSE 'status_changed' END;
      BEGIN
        SELECT a.order_id, a.line_id INTO order_ref, line_ref FROM allocation a WHERE a.id = coalesce(NEW.allocation_id, OLD.allocation_id);
        IF change = 'status_changed' THEN
          why := why || jsonb_build_object('from', OLD.status, 'to', NEW.status);
        END IF;
        INSERT INTO license_ledger (license_id, merchant_id, kind, order_id, line_id, detail)
          VALUES (NEW.id, NEW.merchant_id, change, order_ref, line_ref, why);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER license_ledger_on_status AFTER UPDATE OF status ON license
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION license_ledger_on_status()`);
    await queryRunner.query(`
      CREATE FUNCTION license_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('keypool.pruning', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'license_ledger is append-only: % refused (only the retention pruner deletes)', TG_OP;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER license_ledger_append_only BEFORE UPDATE OR DELETE ON license_ledger
        FOR EACH ROW EXECUTE FUNCTION license_ledger_append_only()`);
    await queryRunner.query(`
      CREATE TRIGGER license_ledger_no_truncate BEFORE TRUNCATE ON license_ledger
        FOR EACH STATEMENT EXECUTE FUNCTION license_ledger_append_only()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER license_ledger_on_status ON license`);
    await queryRunner.query(`DROP TABLE license_ledger`);
    await queryRunner.query(`DROP FUNCTION license_ledger_append_only()`);
    await queryRunner.query(`DROP FUNCTION license_ledger_on_status()`);
  }
}
