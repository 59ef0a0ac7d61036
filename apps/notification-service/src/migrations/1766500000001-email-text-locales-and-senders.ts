import { MigrationInterface, QueryRunner } from 'typeorm';

/** Merchant texts per locale ('' = for any locale, as every text saved before), and each merchant's From name and Reply-To. */
export class EmailTextLocalesAndSenders1766500000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE email_texts ADD COLUMN locale text NOT NULL DEFAULT ''
      CHECK (locale = '' OR (length(locale) <= 35 AND locale ~ '^[a-z]{2,3}(-[a-z0-9]{1,8})*$'))`);
    await queryRunner.query(`ALTER TABLE email_texts DROP CONSTRAINT email_texts_pkey, ADD PRIMARY KEY (merchant_id, product_id, locale)`);
    await queryRunner.query(`
      CREATE TABLE merchant_senders (
        merchant_id text        PRIMARY KEY,
        sender_name text        CHECK (length(sender_name) <= 100 AND sender_name !~ '[\\r\\n]'),
        reply_to    text        CHECK (length(reply_to) <= 254),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE merchant_senders`);
    await queryRunner.query(`DELETE FROM email_texts WHERE locale <> ''`);
    await queryRunner.query(`ALTER TABLE email_texts DROP CONSTRAINT email_texts_pkey, ADD PRIMARY KEY (merchant_id, product_id)`);
    await queryRunner.query(`ALTER TABLE email_texts DROP COLUMN locale`);
  }
}
