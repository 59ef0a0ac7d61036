import { MigrationInterface, QueryRunner } from 'typeorm';

const LINE_STATUSES = `'received', 'awaiting_stock', 'unroutable', 'allocated', 'delivered', 'email_failed'`;

/** Orders, their lines and licenses, the status and e-mail history, and per-product delivery rules. */
export class Orders1764400100000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE product_delivery (
        merchant_id        text        NOT NULL,
        product_id         text        NOT NULL,
        rule               text        NOT NULL CHECK (rule IN ('per_unit', 'per_product')),
        show_on_order_page boolean     NOT NULL DEFAULT false,
        updated_at         timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (merchant_id, product_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE orders (
        order_id            text        PRIMARY KEY,
        merchant_id         text        NOT NULL,
        order_paid_event_id text        NOT NULL,
        currency            text        NOT NULL,
        paid_at             timestamptz NOT NULL,
        test                boolean     NOT NULL,
        parent_order_id     text,
        license_for         text,
        customer            jsonb       NOT NULL,
        notes               text[]      NOT NULL DEFAULT '{}',
        status              text        NOT NULL CHECK (status IN ('received', 'fulfilled')),
        received_at         timestamptz NOT NULL DEFAULT now(),
        fulfilled_at        timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX orders_by_merchant ON orders (merchant_id, received_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE order_lines (
        order_id              text        NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
        line_id               text        NOT NULL,
        position              integer     NOT NULL,
        product_id            text        NOT NULL,
        item                  jsonb       NOT NULL,
        delivery_rule         text        NOT NULL,
        license_count         integer     NOT NULL,
        status                text        NOT NULL CHECK (status IN (${LINE_STATUSES})),
        status_reason         text,
        status_at             timestamptz NOT NULL DEFAULT now(),
        pool_id               text,
        allocation_event_id   text,
        delivered_license_ids text[],
        PRIMARY KEY (order_id, line_id)
      )`);
    await queryRunner.query(`CREATE INDEX order_lines_by_status ON order_lines (status)`);
    await queryRunner.query(`
      CREATE TABLE line_licenses (
        order_id     text    NOT NULL,
        line_id      text    NOT NULL,
        position     integer NOT NULL,
        license_id   text    NOT NULL,
        value_sealed bytea   NOT NULL,
        PRIMARY KEY (order_id, line_id, position),
        FOREIGN KEY (order_id, line_id) REFERENCES order_lines (order_id, line_id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`
      CREATE TABLE status_history (
        seq      bigserial   PRIMARY KEY,
        order_id text        NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
        line_id  text,
        status   text        NOT NULL,
        reason   text,
        event_id text,
        at       timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX status_history_by_order ON status_history (order_id, seq)`);
    await queryRunner.query(`
      CREATE TABLE email_history (
        seq                 bigserial   PRIMARY KEY,
        order_id            text        NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
        line_id             text        NOT NULL,
        kind                text        NOT NULL CHECK (kind IN ('resend_requested', 'sent', 'failed')),
        event_id            text        NOT NULL,
        resend              boolean     NOT NULL,
        recipient           text,
        license_ids         text[]      NOT NULL DEFAULT '{}',
        provider_message_id text,
        reason              text,
        permanent           boolean,
        attempts            integer,
        status_code         integer,
        requested_by        text,
        at                  timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX email_history_by_order ON email_history (order_id, seq)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['email_history', 'status_history', 'line_licenses', 'order_lines', 'orders', 'product_delivery']) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
