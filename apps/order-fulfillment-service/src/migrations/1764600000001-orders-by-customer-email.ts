import { MigrationInterface, QueryRunner } from 'typeorm';

/** Support looks orders up by the customer's e-mail address (GET /v1/orders?customerEmail=). */
export class OrdersByCustomerEmail1764600000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX orders_by_customer_email ON orders (merchant_id, lower(customer->>'email'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX orders_by_customer_email`);
  }
}
