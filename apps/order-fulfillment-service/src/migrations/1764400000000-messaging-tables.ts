import { MigrationInterface, QueryRunner } from 'typeorm';
import { createMessagingTables, dropMessagingTables } from '@keypool/messaging';

export class MessagingTables1764400000000 implements MigrationInterface {
  up(queryRunner: QueryRunner): Promise<void> {
    return createMessagingTables(queryRunner);
  }

  down(queryRunner: QueryRunner): Promise<void> {
    return dropMessagingTables(queryRunner);
  }
}
