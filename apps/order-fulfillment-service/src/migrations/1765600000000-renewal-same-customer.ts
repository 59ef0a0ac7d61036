import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per product: may a renewal use a parent order bought with another customer e-mail (default: no). */
export class RenewalSameCustomer1765600000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE product_delivery ADD COLUMN renewal_requires_same_customer boolean NOT NULL DEFAULT true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE product_delivery DROP COLUMN renewal_requires_same_customer`);
  }
}
