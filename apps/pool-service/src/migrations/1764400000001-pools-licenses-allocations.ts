import { MigrationInterface, QueryRunner } from 'typeorm';

export class PoolsLicensesAllocations1764400000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE pool (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        merchant_id text        NOT NULL,
        product_id  text,
        currency    text,
        mode        text        NOT NULL CHECK (mode IN ('live', 'test')),
        name        text        NOT NULL,
        threshold   integer     NOT NULL CHECK (threshold >= 0),
        low_armed   boolean     NOT NULL DEFAULT true,
        empty_armed boolean     NOT NULL DEFAULT true,
        archived_at timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CHECK (currency IS NULL OR product_id IS NOT NULL)
      )`);
    // One routable pool per scope and mode; archived pools step aside so the scope can be reused.
    await queryRunner.query(`
      CREATE UNIQUE INDEX pool_one_per_scope ON pool (merchant_id, mode, product_id, currency)
        NULLS NOT DISTINCT WHERE archived_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE allocation (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq           bigserial   NOT NULL UNIQUE,
        order_id      text        NOT NULL,
        line_id       text        NOT NULL,
        merchant_id   text        NOT NULL,
        product_id    text        NOT NULL,
        currency      text        NOT NULL,
        test          boolean     NOT NULL,
        license_count integer     NOT NULL CHECK (license_count > 0),
        pool_id       uuid REFERENCES pool (id),
        status        text        NOT NULL CHECK (status IN ('allocated', 'awaiting_stock', 'unroutable')),
        reason        text,
        request       bytea       NOT NULL,
        event_id      uuid,
        event         bytea,
        requested_at  timestamptz NOT NULL DEFAULT now(),
        allocated_at  timestamptz,
        UNIQUE (order_id, line_id),
        CHECK ((status = 'allocated') = (event_id IS NOT NULL AND event IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX allocation_held_queue ON allocation (pool_id, seq) WHERE status = 'awaiting_stock'`);
    await queryRunner.query(`CREATE INDEX allocation_held_by_merchant ON allocation (merchant_id, seq) WHERE status <> 'allocated'`);
    await queryRunner.query(`
      CREATE TABLE license (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq           bigserial   NOT NULL,
        pool_id       uuid        NOT NULL REFERENCES pool (id),
        merchant_id   text        NOT NULL,
        value_hash    bytea       NOT NULL,
        value         bytea       NOT NULL,
        status        text        NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'allocated', 'withdrawn')),
        allocation_id uuid REFERENCES allocation (id),
        imported_at   timestamptz NOT NULL DEFAULT now(),
        allocated_at  timestamptz,
        withdrawn_at  timestamptz,
        CHECK ((status = 'allocated') = (allocation_id IS NOT NULL))
      )`);
    // A key is never sold twice: one row per value per merchant, whatever its pool or status.
    await queryRunner.query(`CREATE UNIQUE INDEX license_value_once_per_merchant ON license (merchant_id, value_hash)`);
    await queryRunner.query(`CREATE INDEX license_available_oldest_first ON license (pool_id, seq) WHERE status = 'available'`);
    await queryRunner.query(`CREATE INDEX license_by_pool ON license (pool_id, seq)`);
    await queryRunner.query(`CREATE INDEX license_by_allocation ON license (allocation_id) WHERE allocation_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE license`);
    await queryRunner.query(`DROP TABLE allocation`);
    await queryRunner.query(`DROP TABLE pool`);
  }
}
