import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { EventType, Topics } from '@keypool/contracts';
import { InboundEventOf, Messaging, Tx, contractTopicConsumer } from '@keypool/messaging';
import { SecretBox, TOPICS } from '@keypool/platform';
import { recordDeferrals } from '../allocation/allocation-deferred.handler';
import { recordAllocations } from '../allocation/license-allocated.handler';
import { RecordEmailFailures, RecordEmailsSent } from '../email/email-outcomes.handler';
import { receivePaidOrders } from '../intake/order-paid.handler';
import { FulfillmentMetrics } from '../metrics/fulfillment-metrics';
import { receiveRefunds } from '../refunds/order-refunded.handler';

/**
 * The Kafka entry points: one consumer (and consumer group) per inbound topic, each handing
 * its chunks to a handler inside the runner's transaction. Metrics are counted once the
 * handler has done all its work; a failed commit afterwards may overcount by one chunk.
 */
@Injectable()
export class FulfillmentConsumers implements OnApplicationBootstrap {
  private readonly logger = new Logger('FulfillmentConsumers');

  constructor(
    private readonly messaging: Messaging,
    private readonly cipher: SecretBox,
    private readonly metrics: FulfillmentMetrics,
    private readonly emailsSent: RecordEmailsSent,
    private readonly emailFailures: RecordEmailFailures,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { topics, cipher, metrics, logger } = this;
    await Promise.all([
      this.consume('order-intake', 'OrderPaid', async (events, tx) => {
        const result = await receivePaidOrders(tx, events, { cipher, topics });
        metrics.ordersReceived.inc(result.received.length);
        metrics.duplicateOrders.inc(result.duplicates.length);
        for (const duplicate of result.duplicates) logger.warn(duplicate, 'OrderPaid for an order already received; ignored');
        for (const note of result.notes) logger.warn(note, 'order received with a note');
      }),
      this.consume('allocations', 'LicenseAllocated', async (events, tx) => {
        const result = await recordAllocations(tx, events, cipher, topics);
        for (const repeat of result.ignoredRepeats) logger.warn(repeat, 'second original LicenseAllocated for a line; the first one is kept');
      }),
      this.consume('deferrals', 'AllocationDeferred', (events, tx) => recordDeferrals(tx, events, topics).then(() => undefined)),
      this.consume('emails-sent', 'EmailSent', (events, tx) => this.emailsSent.record(events, tx).then(() => undefined)),
      this.consume('email-failures', 'EmailFailed', (events, tx) => this.emailFailures.record(events, tx).then(() => undefined)),
      this.consume('refunds', 'OrderRefunded', async (events, tx) => {
        const result = await receiveRefunds(tx, events, topics);
        for (const orderId of result.pending) logger.log({ orderId }, 'refund for an order not received yet; kept and applied when it arrives');
        for (const orderId of result.repeats) logger.log({ orderId }, 'refund names only lines already refunded; nothing changed');
      }),
    ]);
  }

  private consume<T extends EventType>(name: string, type: T, handle: (events: InboundEventOf<T>[], tx: Tx) => Promise<void>) {
    return this.messaging.consume(contractTopicConsumer(type, { consumer: 'order-fulfillment-service', topics: this.topics, name, handle }));
  }
}
