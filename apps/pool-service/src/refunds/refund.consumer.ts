import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import { Messaging, contractTopicConsumer } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { RefundAllocationsHandler } from './refund-allocations.handler';

/** Feeds AllocationRefunded chunks (from order-fulfillment) to the refund handler, one transaction per chunk. */
@Injectable()
export class RefundConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(RefundConsumer.name);

  constructor(
    private readonly messaging: Messaging,
    private readonly refunds: RefundAllocationsHandler,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging.consume(
      contractTopicConsumer('AllocationRefunded', {
        consumer: 'pool-service',
        topics: this.topics,
        name: 'pool-refunds',
        handle: async (events, tx) => {
          const outcomes = await this.refunds.refund(
            events.map((e) => e.envelope.data),
            tx,
          );
          for (const [line, outcome] of outcomes) {
            const [orderId, lineId] = line.split('\u0000');
            this.logger.log({ orderId, lineId, outcome }, 'refunded line settled');
          }
        },
      }),
    );
  }
}
