import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import { Messaging, contractDecoder } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { MerchantTextTemplates } from '../templates/merchant-text-template';
import { MAIL_SETTINGS, MailSettings } from './mail-settings';
import { NOTIFICATION_METRICS } from './notification-metrics';
import type { NotificationMetrics } from './notification-metrics';
import { SendGridDelivery } from './sendgrid-delivery';
import { sendLicenseEmails } from './send-license-emails.handler';

/**
 * Entry point for LicenseAllocated: its own consumer group, so it never competes with
 * order-fulfillment. The group is named after the topic: kafkajs hands a group's members
 * partitions of every topic any member subscribed to, so two deployments (or test files) with
 * their own topic names must never share a group.
 */
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
    await this.messaging.consume({
      name: 'license-emails',
      groupId: `notification-service.${this.topics.licenseAllocated}`,
      topics: [this.topics.licenseAllocated],
      decode: contractDecoder({ [this.topics.licenseAllocated]: 'LicenseAllocated' }),
      handle: (events, tx) => sendLicenseEmails(deps, events, tx),
    });
  }
}
