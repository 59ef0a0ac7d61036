import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The e-mail outbox: one row per license e-mail, written in the consumer's transaction and
 * sent afterwards by the sender loop. `payload` is the rendered e-mail sealed with the
 * service's SecretBox (it holds license values) and is cleared once the outcome is recorded.
 */
export class EmailSends1765300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE email_sends (
        id               bigserial   PRIMARY KEY,
        event_id         text        NOT NULL,
        kind             text        NOT NULL CHECK (kind IN ('license')),
        merchant_id      text        NOT NULL,
        order_id         text        NOT NULL,
        line_id          text        NOT NULL,
        product_id       text        NOT NULL,
        recipient        text        NOT NULL,
        resend_of        text,
        payload          bytea,
        status           text        NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        attempts         integer     NOT NULL DEFAULT 0,
        reclaims         integer     NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        claim_token      uuid,
        claimed_by       text,
        claimed_at       timestamptz,
        lease_until      timestamptz,
        retry_reported   boolean     NOT NULL DEFAULT false,
        last_error       text,
        last_status_code integer,
        attempt_log      jsonb       NOT NULL DEFAULT '[]',
        created_at       timestamptz NOT NULL DEFAULT now(),
        finished_at      timestamptz,
        UNIQUE (kind, event_id)
      )`);
    await queryRunner.query(`CREATE INDEX email_sends_due ON email_sends (next_attempt_at) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX email_sends_leased ON email_sends (lease_until) WHERE status = 'sending'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE email_sends`);
  }
}
