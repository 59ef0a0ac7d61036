import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import { Messaging, contractTopicConsumer } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { SendPoolLowAlerts } from './send-pool-low-alerts.handler';

/** Entry point for PoolLow: hands each chunk to SendPoolLowAlerts. */
@Injectable()
export class PoolLowConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: Messaging,
    private readonly sendAlerts: SendPoolLowAlerts,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging.consume(
      contractTopicConsumer('PoolLow', {
        consumer: 'notification-service',
        topics: this.topics,
        name: 'pool-low-alerts',
        // The handler sends the merchants' e-mails inside the transaction: a failed shared
        // transaction would run every chunk in it again, repeating their alerts.
        groupCommit: false,
        handle: (events, tx) => this.sendAlerts.run(events, tx),
      }),
    );
  }
}
