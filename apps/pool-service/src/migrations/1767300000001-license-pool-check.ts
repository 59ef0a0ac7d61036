import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * license.pool_id must name a pool, checked once per statement instead of once per row (issue 11).
 *
 * The foreign key's trigger ran a `SELECT … FROM pool … FOR KEY SHARE` for every inserted
 * license: 2.1 s of an 11 s INSERT of 200,000 rows (EXPLAIN ANALYZE), for an import that writes
 * every row into one pool. The same guarantee, set-based:
 * - after each INSERT into license, one statement-level trigger reads the inserted rows' pools
 *   (a transition table), locks them FOR KEY SHARE, as the foreign key did, so a pool cannot be
 *   deleted under an import that has not committed, and refuses the statement if one is missing
 *   (250 ms for the same 200,000 rows);
 * - moving a license to another pool checks the new pool the same way, row by row (nothing moves
 *   licenses between pools today);
 * - deleting a pool, or changing its id, is refused while a license names it (the foreign key's
 *   NO ACTION). Its check runs after the row lock, so it waits for an import holding the pool and
 *   then sees that import's licenses.
 */
export class LicensePoolCheck1767300000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // Dropping the key locks license and pool exclusively. Behind a running import that lock
    // request would queue every pool-service query behind it: give up after 10 s instead (the
    // start fails and is retried, the import having finished) — migrations run one transaction each.
    await queryRunner.query(`SET LOCAL lock_timeout = '10s'`);
    await queryRunner.query(`ALTER TABLE license DROP CONSTRAINT license_pool_id_fkey`);
    await queryRunner.query(`
      CREATE FUNCTION license_pools_exist() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM pool p WHERE p.id IN (SELECT DISTINCT pool_id FROM inserted) FOR KEY SHARE OF p;
        IF EXISTS (SELECT 1 FROM (SELECT DISTINCT pool_id FROM inserted) n WHERE NOT EXISTS (SELECT 1 FROM pool p WHERE p.id = n.pool_id)) THEN
          RAISE foreign_key_violation USING MESSAGE = 'license.pool_id names no pool', CONSTRAINT = 'license_pool_id_fkey';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER license_pools_exist AFTER INSERT ON license
        REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION license_pools_exist()`);
    await queryRunner.query(`
      CREATE FUNCTION license_pool_exists() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM 1 FROM pool WHERE id = NEW.pool_id FOR KEY SHARE;
        IF NOT FOUND THEN
          RAISE foreign_key_violation USING MESSAGE = 'license.pool_id names no pool', CONSTRAINT = 'license_pool_id_fkey';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER license_pool_exists BEFORE UPDATE OF pool_id ON license
        FOR EACH ROW WHEN (OLD.pool_id IS DISTINCT FROM NEW.pool_id) EXECUTE FUNCTION license_pool_exists()`);
    await queryRunner.query(`
      CREATE FUNCTION pool_without_licenses() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (TG_OP = 'DELETE' OR NEW.id IS DISTINCT FROM OLD.id) AND EXISTS (SELECT 1 FROM license WHERE pool_id = OLD.id) THEN
          RAISE foreign_key_violation USING MESSAGE = 'pool ' || OLD.id || ' still has licenses', CONSTRAINT = 'license_pool_id_fkey';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER pool_without_licenses BEFORE DELETE OR UPDATE OF id ON pool
        FOR EACH ROW EXECUTE FUNCTION pool_without_licenses()`);
    // TRUNCATE fires no row trigger; the key refused it (even with CASCADE, which would have
    // emptied license too). Now CASCADE reaches only the tables that still have keys to pool.
    await queryRunner.query(`
      CREATE FUNCTION pool_truncate_without_licenses() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM license) THEN
          RAISE foreign_key_violation USING MESSAGE = 'pool cannot be truncated while licenses name its pools', CONSTRAINT = 'license_pool_id_fkey';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER pool_truncate_without_licenses BEFORE TRUNCATE ON pool
        FOR EACH STATEMENT EXECUTE FUNCTION pool_truncate_without_licenses()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER pool_truncate_without_licenses ON pool`);
    await queryRunner.query(`DROP FUNCTION pool_truncate_without_licenses()`);
    await queryRunner.query(`DROP TRIGGER pool_without_licenses ON pool`);
    await queryRunner.query(`DROP FUNCTION pool_without_licenses()`);
    await queryRunner.query(`DROP TRIGGER license_pool_exists ON license`);
    await queryRunner.query(`DROP FUNCTION license_pool_exists()`);
    await queryRunner.query(`DROP TRIGGER license_pools_exist ON license`);
    await queryRunner.query(`DROP FUNCTION license_pools_exist()`);
    // NOT VALID, then VALIDATE: the scan of every license runs without blocking writes.
    await queryRunner.query(`ALTER TABLE license ADD CONSTRAINT license_pool_id_fkey FOREIGN KEY (pool_id) REFERENCES pool (id) NOT VALID`);
    await queryRunner.query(`ALTER TABLE license VALIDATE CONSTRAINT license_pool_id_fkey`);
  }
}
