import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { AllocationRequestedData, Topics } from '@keypool/contracts';
import { Messaging, contractDecoder } from '@keypool/messaging';
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
    const topic = this.topics.allocationRequested;
    await this.messaging.consume({
      name: 'pool-allocation',
      // Named after the topic so environments (and test files) with their own topics never share a group.
      groupId: `pool-service.${topic}`,
      topics: [topic],
      decode: contractDecoder({ [topic]: 'AllocationRequested' }),
      maxBatchSize: 500,
      handle: (events, tx) =>
        this.allocator.allocate(
          events.map((e) => e.envelope.data as unknown as AllocationRequestedData),
          tx,
        ),
    });
  }
}
