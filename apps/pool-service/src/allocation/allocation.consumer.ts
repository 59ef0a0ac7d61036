import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import { Messaging, contractTopicConsumer } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { AllocateLicensesHandler } from './allocate-licenses.handler';

/** Feeds AllocationRequested chunks to the allocator, one transaction per chunk. */
@Injectable()
export class AllocationConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: Messaging,
    private readonly allocator: AllocateLicensesHandler,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging.consume(
      contractTopicConsumer('AllocationRequested', {
        consumer: 'pool-service',
        topics: this.topics,
        name: 'pool-allocation',
        maxBatchSize: 500,
        handle: (events, tx) =>
          this.allocator.allocate(
            events.map((e) => e.envelope.data),
            tx,
          ),
      }),
    );
  }
}
