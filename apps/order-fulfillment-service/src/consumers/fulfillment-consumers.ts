import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { EventType, Topics } from '@keypool/contracts';
import { InboundEventOf, Messaging, Tx, contractTopicConsumer } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { RecordDeferrals } from '../allocation/allocation-deferred.handler';
import { RecordAllocations } from '../allocation/license-allocated.handler';
import { RecordEmailFailures, RecordEmailsSent } from '../email/email-outcomes.handler';
import { ReceivePaidOrders } from '../intake/order-paid.handler';
import { ReceiveRefunds } from '../refunds/order-refunded.handler';

/**
 * The Kafka entry points: one consumer (and consumer group) per inbound topic, each handing its
 * chunks to a use case inside the runner's transaction, which also holds the chunk's inbox rows.
 * The use cases count and log what they did once that transaction has committed.
 */
@Injectable()
export class FulfillmentConsumers implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: Messaging,
    private readonly paidOrders: ReceivePaidOrders,
    private readonly allocations: RecordAllocations,
    private readonly deferrals: RecordDeferrals,
    private readonly emailsSent: RecordEmailsSent,
    private readonly emailFailures: RecordEmailFailures,
    private readonly refunds: ReceiveRefunds,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([
      this.consume('order-intake', 'OrderPaid', (events, tx) => this.paidOrders.receive(events, tx)),
      this.consume('allocations', 'LicenseAllocated', (events, tx) => this.allocations.record(events, tx)),
      this.consume('deferrals', 'AllocationDeferred', (events, tx) => this.deferrals.record(events, tx)),
      this.consume('emails-sent', 'EmailSent', (events, tx) => this.emailsSent.record(events, tx)),
      this.consume('email-failures', 'EmailFailed', (events, tx) => this.emailFailures.record(events, tx)),
      this.consume('refunds', 'OrderRefunded', (events, tx) => this.refunds.receive(events, tx)),
    ]);
  }

  private consume<T extends EventType>(name: string, type: T, handle: (events: InboundEventOf<T>[], tx: Tx) => Promise<unknown>) {
    return this.messaging.consume(
      contractTopicConsumer(type, {
        consumer: 'order-fulfillment-service',
        topics: this.topics,
        name,
        handle: async (events, tx) => {
          await handle(events, tx);
        },
      }),
    );
  }
}
