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

export async function dropMessagingTables(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`DROP TABLE inbox`);
  await queryRunner.query(`DROP TABLE outbox`);
}
