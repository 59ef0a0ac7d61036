import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import { Messaging, contractTopicConsumer } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { appendEmailed } from './ledger-writes';

/**
 * Feeds EmailSent (from notification-service) into the license ledger: an emailed or resent entry
 * per license, in the chunk's transaction with the inbox rows, so a redelivery adds none.
 */
@Injectable()
export class EmailLedgerConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: Messaging,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging.consume(
      contractTopicConsumer('EmailSent', {
        consumer: 'pool-service',
        topics: this.topics,
        name: 'pool-email-ledger',
        handle: async (events, tx) => {
          await appendEmailed(
            tx.manager,
            events.map((e) => e.envelope.data),
          );
        },
      }),
    );
  }
}
