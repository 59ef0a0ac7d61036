import { MigrationInterface, QueryRunner } from 'typeorm';
import { addOutboxParking, dropOutboxParking } from '@keypool/messaging';

export class OutboxParking1765100000000 implements MigrationInterface {
  up(queryRunner: QueryRunner): Promise<void> {
    return addOutboxParking(queryRunner);
  }

  down(queryRunner: QueryRunner): Promise<void> {
    return dropOutboxParking(queryRunner);
  }
}
