import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import { Messaging, contractTopicConsumer } from '@keypool/messaging';
import { SecretBox, TOPICS } from '@keypool/platform';
import { MerchantTextTemplates } from '../templates/merchant-text-template';
import { EmailSender } from './email-sender';
import { MAIL_SETTINGS, MailSettings } from './mail-settings';
import { NOTIFICATION_METRICS } from './notification-metrics';
import type { NotificationMetrics } from './notification-metrics';
import { queueLicenseEmails } from './queue-license-emails.handler';

/**
 * Entry point for LicenseAllocated (its own consumer group, so it never competes with
 * order-fulfillment): queues the e-mails, and runs the sender that delivers them.
 */
@Injectable()
export class LicenseEmailConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly messaging: Messaging,
    private readonly sender: EmailSender,
    private readonly cipher: SecretBox,
    private readonly templates: MerchantTextTemplates,
    @Inject(NOTIFICATION_METRICS) private readonly metrics: NotificationMetrics,
    @Inject(MAIL_SETTINGS) private readonly settings: MailSettings,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const deps = {
      templates: this.templates,
      cipher: this.cipher,
      metrics: this.metrics,
      topics: this.topics,
      settings: this.settings,
      onQueued: () => this.sender.wake(),
    };
    await this.sender.start();
    await this.messaging.consume(
      contractTopicConsumer('LicenseAllocated', {
        consumer: 'notification-service',
        topics: this.topics,
        name: 'license-emails',
        handle: (events, tx) => queueLicenseEmails(deps, events, tx),
      }),
    );
  }

  /** Lets the hand-off in flight be sent and recorded; what is still queued waits in the database. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.sender.stop();
  }
}
