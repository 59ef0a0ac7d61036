import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import { Messaging, contractTopicConsumer } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { EmailSender } from './email-sender';
import { QueueLicenseEmails } from './queue-license-emails.handler';

/**
 * Entry point for LicenseAllocated (its own consumer group, so it never competes with
 * order-fulfillment): hands each chunk to QueueLicenseEmails, and runs the sender that delivers them.
 */
@Injectable()
export class LicenseEmailConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly messaging: Messaging,
    private readonly sender: EmailSender,
    private readonly queueEmails: QueueLicenseEmails,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sender.start();
    await this.messaging.consume(
      contractTopicConsumer('LicenseAllocated', {
        consumer: 'notification-service',
        topics: this.topics,
        name: 'license-emails',
        handle: (events, tx) => this.queueEmails.run(events, tx),
      }),
    );
  }

  /** Lets the hand-off in flight be sent and recorded; what is still queued waits in the database. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.sender.stop();
  }
}
