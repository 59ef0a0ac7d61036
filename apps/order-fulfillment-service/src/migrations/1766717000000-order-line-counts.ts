import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lines per status as running totals (keypool_order_lines). The gauge used to count every order
 * line on each scrape, a cost that grows with history. A trigger on order_lines keeps the
 * totals in the same transaction as every insert, status change or delete, whichever code path
 * makes it. Each database connection adds to its own rows (slot = its backend pid), so two
 * transactions never wait on one counter row nor deadlock over two; a scrape sums the rows and
 * folds those of connections that ended into slot 0 (no backend has pid 0), so the table stays
 * at about statuses × open connections rows. A TRUNCATE of order_lines clears them.
 */
export class OrderLineCounts1766717000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE order_line_counts (
        status text     NOT NULL,
        slot   integer  NOT NULL,
        lines  bigint   NOT NULL DEFAULT 0,
        PRIMARY KEY (status, slot)
      )`);
    await queryRunner.query(`
      CREATE FUNCTION order_line_counts_bump(line_status text, delta integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO order_line_counts (status, slot, lines)
        VALUES (line_status, pg_backend_pid(), delta)
        ON CONFLICT (status, slot) DO UPDATE SET lines = order_line_counts.lines + EXCLUDED.lines
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION order_line_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM order_line_counts_bump(NEW.status, 1);
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM order_line_counts_bump(OLD.status, -1);
        ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
          PERFORM order_line_counts_bump(OLD.status, -1);
          PERFORM order_line_counts_bump(NEW.status, 1);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION order_line_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM order_line_counts;
        RETURN NULL;
      END $$`);
    // CREATE TRIGGER locks order_lines against writes until this migration's transaction ends,
    // so the totals below and the trigger's later changes add up exactly.
    await queryRunner.query(`
      CREATE TRIGGER order_line_counts_track AFTER INSERT OR DELETE OR UPDATE OF status ON order_lines
        FOR EACH ROW EXECUTE FUNCTION order_line_counts_track()`);
    await queryRunner.query(`
      CREATE TRIGGER order_line_counts_clear AFTER TRUNCATE ON order_lines
        FOR EACH STATEMENT EXECUTE FUNCTION order_line_counts_clear()`);
    await queryRunner.query(`INSERT INTO order_line_counts (status, slot, lines) SELECT status, 0, count(*) FROM order_lines GROUP BY status`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER order_line_counts_clear ON order_lines`);
    await queryRunner.query(`DROP TRIGGER order_line_counts_track ON order_lines`);
    await queryRunner.query(`DROP FUNCTION order_line_counts_clear()`);
    await queryRunner.query(`DROP FUNCTION order_line_counts_track()`);
    await queryRunner.query(`DROP FUNCTION order_line_counts_bump(text, integer)`);
    await queryRunner.query(`DROP TABLE order_line_counts`);
  }
}
