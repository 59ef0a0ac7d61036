import type { QueryRunner } from 'typeorm';

/**
 * The outbox and inbox tables every service keeps next to its own; services call these
 * from their first migration. Column names follow the Debezium outbox convention.
 */
export async function createMessagingTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE outbox (
      seq            bigserial PRIMARY KEY,
      id             uuid        NOT NULL UNIQUE,
      aggregate_type text        NOT NULL,
      aggregate_id   text        NOT NULL,
      type           text        NOT NULL,
      topic          text        NOT NULL,
      payload        bytea       NOT NULL,
      created_at     timestamptz NOT NULL DEFAULT now(),
      published_at   timestamptz
    )`);
  await queryRunner.query(`CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL`);
  await queryRunner.query(`CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL`);
  await queryRunner.query(`
    CREATE TABLE inbox (
      consumer    text        NOT NULL,
      event_id    text        NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`);
}

/**
 * A row the relay can never publish (too large for the broker, unreadable, refused) is parked:
 * kept with its reason, out of the relay's way, until someone releases it by clearing parked_at.
 */
export async function addOutboxParking(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`ALTER TABLE outbox ADD COLUMN parked_at timestamptz, ADD COLUMN park_reason text`);
  await queryRunner.query(`DROP INDEX outbox_unpublished`);
  await queryRunner.query(`CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL AND parked_at IS NULL`);
  await queryRunner.query(`CREATE INDEX outbox_parked ON outbox (seq) WHERE parked_at IS NOT NULL`);
}

export async function dropOutboxParking(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`DROP INDEX outbox_parked`);
  await queryRunner.query(`DROP INDEX outbox_unpublished`);
  await queryRunner.query(`CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL`);
  await queryRunner.query(`ALTER TABLE outbox DROP COLUMN parked_at, DROP COLUMN park_reason`);
}

export async function dropMessagingTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`DROP TABLE inbox`);
  await queryRunner.query(`DROP TABLE outbox`);
}

/**
 * The retention pruner finds inbox rows by age. Built inside the migration's transaction, so
 * writes to the inbox wait while it is built (seconds for a few million rows).
 */
export async function addInboxAgeIndex(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`CREATE INDEX inbox_by_age ON inbox (received_at)`);
}

export async function dropInboxAgeIndex(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`DROP INDEX inbox_by_age`);
}
