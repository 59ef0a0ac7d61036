import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import { Messaging, contractTopicConsumer } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { MerchantTextTemplates } from '../templates/merchant-text-template';
import { MAIL_SETTINGS, MailSettings } from './mail-settings';
import { NOTIFICATION_METRICS } from './notification-metrics';
import type { NotificationMetrics } from './notification-metrics';
import { SendGridDelivery } from './sendgrid-delivery';
import { sendLicenseEmails } from './send-license-emails.handler';

/** Entry point for LicenseAllocated: its own consumer group, so it never competes with order-fulfillment. */
@Injectable()
export class LicenseEmailConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: Messaging,
    private readonly delivery: SendGridDelivery,
    private readonly templates: MerchantTextTemplates,
    @Inject(NOTIFICATION_METRICS) private readonly metrics: NotificationMetrics,
    @Inject(MAIL_SETTINGS) private readonly settings: MailSettings,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const deps = { delivery: this.delivery, templates: this.templates, metrics: this.metrics, topics: this.topics, settings: this.settings };
    await this.messaging.consume(
      contractTopicConsumer('notification-service', {
        name: 'license-emails',
        topic: this.topics.licenseAllocated,
        type: 'LicenseAllocated',
        handle: (events, tx) => sendLicenseEmails(deps, events, tx),
      }),
    );
  }
}
