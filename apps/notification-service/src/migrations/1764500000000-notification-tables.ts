import { MigrationInterface, QueryRunner } from 'typeorm';

export class NotificationTables1764500000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE email_texts (
        merchant_id   text        NOT NULL,
        product_id    text        NOT NULL,
        subject       text,
        text          text        NOT NULL,
        merchant_name text,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (merchant_id, product_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE alert_contacts (
        merchant_id text        PRIMARY KEY,
        emails      text[]      NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE deliveries (
        id                  bigserial   PRIMARY KEY,
        event_id            text        NOT NULL,
        kind                text        NOT NULL CHECK (kind IN ('license', 'pool_low')),
        merchant_id         text        NOT NULL,
        order_id            text,
        line_id             text,
        product_id          text,
        pool_id             text,
        recipients          text[]      NOT NULL,
        resend_of           text,
        status              text        NOT NULL CHECK (status IN ('sent', 'failed')),
        permanent           boolean,
        status_code         integer,
        provider_message_id text,
        reason              text,
        attempts            jsonb       NOT NULL,
        created_at          timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, event_id)
      )`);
    await queryRunner.query(`CREATE INDEX deliveries_order ON deliveries (merchant_id, order_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE deliveries`);
    await queryRunner.query(`DROP TABLE alert_contacts`);
    await queryRunner.query(`DROP TABLE email_texts`);
  }
}
