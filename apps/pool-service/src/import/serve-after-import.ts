import { Injectable } from '@nestjs/common';
import { Messaging } from '@keypool/messaging';
import { PoolQueue } from '../stock/pool-queue';

/** Once an import commits, the pool's held lines are served oldest first and its alerts re-armed. */
@Injectable()
export class ServeAfterImport {
  constructor(
    private readonly messaging: Messaging,
    private readonly queue: PoolQueue,
  ) {}

  async serve(poolId: string): Promise<void> {
    await this.messaging.transactions.run((tx) => this.queue.serve(tx, [poolId]));
  }
}
