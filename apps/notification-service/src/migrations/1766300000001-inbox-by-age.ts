import { MigrationInterface, QueryRunner } from 'typeorm';
import { addInboxAgeIndex, dropInboxAgeIndex } from '@keypool/messaging';

/** Inbox rows by age, for the retention pruner. */
export class InboxByAge1766300000001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await addInboxAgeIndex(queryRunner);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropInboxAgeIndex(queryRunner);
  }
}
