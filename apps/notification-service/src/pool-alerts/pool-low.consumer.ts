import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import { Messaging, contractTopicConsumer } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { MAIL_SETTINGS, MailSettings } from '../delivery/mail-settings';
import { NOTIFICATION_METRICS } from '../delivery/notification-metrics';
import type { NotificationMetrics } from '../delivery/notification-metrics';
import { SendGridDelivery } from '../delivery/sendgrid-delivery';
import { sendPoolLowAlerts } from './send-pool-low-alerts.handler';

@Injectable()
export class PoolLowConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: Messaging,
    private readonly delivery: SendGridDelivery,
    @Inject(NOTIFICATION_METRICS) private readonly metrics: NotificationMetrics,
    @Inject(MAIL_SETTINGS) private readonly settings: MailSettings,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const deps = { delivery: this.delivery, metrics: this.metrics, settings: this.settings };
    await this.messaging.consume(
      contractTopicConsumer('PoolLow', {
        consumer: 'notification-service',
        topics: this.topics,
        name: 'pool-low-alerts',
        handle: (events, tx) => sendPoolLowAlerts(deps, events, tx),
      }),
    );
  }
}
