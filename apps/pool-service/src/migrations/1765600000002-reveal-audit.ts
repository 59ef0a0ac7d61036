import { MigrationInterface, QueryRunner } from 'typeorm';
import { createRevealAuditTable, dropRevealAuditTable } from '@keypool/platform';

/** Who revealed which license's value, when and why. */
export class RevealAudit1765600000002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await createRevealAuditTable(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropRevealAuditTable(queryRunner);
  }
}
