import { Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Topics } from '@keypool/contracts';
import { Messaging } from '@keypool/messaging';
import { Metrics, SERVICE_CONFIG, SecretBox, TOPICS } from '@keypool/platform';
import type { NotificationConfig } from '../config';
import { TemplatesModule } from '../templates/templates.module';
import { EmailSender } from './email-sender';
import { LicenseEmailConsumer } from './license-email.consumer';
import { MailSettingsModule } from './mail-settings';
import { NOTIFICATION_METRICS, NotificationMetrics, notificationMetrics, registerEmailQueueGauges } from './notification-metrics';
import { QueueLicenseEmails } from './queue-license-emails.handler';
import { SendGridDelivery } from './sendgrid-delivery';

/** SendGrid's client as the settings say; its retries are counted. */
export function sendGridDeliveryOf(config: NotificationConfig, metrics: NotificationMetrics): SendGridDelivery {
  return new SendGridDelivery(
    {
      apiKey: config.SENDGRID_API_KEY,
      baseUrl: config.SENDGRID_BASE_URL,
      timeoutMs: config.SENDGRID_TIMEOUT_MS,
      batchSize: config.SENDGRID_BATCH_SIZE,
      retry: { maxAttempts: config.SENDGRID_MAX_ATTEMPTS, baseDelayMs: config.SENDGRID_RETRY_BASE_MS, maxDelayMs: config.SENDGRID_RETRY_MAX_DELAY_MS },
    },
    (statusCode) => metrics.retried(statusCode),
  );
}

/** The sender loop of the e-mail outbox, as the settings say. */
export function emailSenderOf(
  config: NotificationConfig,
  messaging: Messaging,
  cipher: SecretBox,
  delivery: SendGridDelivery,
  metrics: NotificationMetrics,
  topics: Topics,
): EmailSender {
  return new EmailSender(
    { transactions: messaging.transactions, cipher, delivery, metrics, topics, logger: new Logger(EmailSender.name) },
    {
      leaseMs: config.EMAIL_SEND_LEASE_MS,
      pollMs: config.EMAIL_SEND_POLL_MS,
      claimSize: config.EMAIL_SEND_CLAIM_SIZE,
      retry: { baseDelayMs: config.EMAIL_RETRY_BASE_MS, maxDelayMs: config.EMAIL_RETRY_MAX_DELAY_MS, maxAgeMs: config.EMAIL_MAX_RETRY_AGE_MS },
      retryBudgetMs: config.SENDGRID_RETRY_BUDGET_MS,
      sendMaxMs: config.SENDGRID_RETRY_BUDGET_MS + config.SENDGRID_MAX_ATTEMPTS * config.SENDGRID_TIMEOUT_MS,
      concurrency: config.SENDGRID_CONCURRENCY,
      ...(config.EMAIL_SENDER_ID ? { senderId: config.EMAIL_SENDER_ID } : {}),
    },
  );
}

/** The e-mail queue gauges (keypool_emails_waiting_retry, keypool_email_oldest_pending_seconds), read from the database at scrape time. */
@Injectable()
export class EmailQueueGauges implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    registerEmailQueueGauges(this.metrics, this.dataSource);
  }
}

/**
 * License e-mails: the LicenseAllocated consumer queues them (QueueLicenseEmails), the sender
 * loop delivers them through SendGrid. Exports the SendGrid client and the metrics for PoolLow alerts.
 * The factories remain where a class needs settings mapped from the configuration.
 */
@Module({
  imports: [TemplatesModule, MailSettingsModule],
  providers: [
    { provide: NOTIFICATION_METRICS, inject: [Metrics], useFactory: notificationMetrics },
    { provide: SendGridDelivery, inject: [SERVICE_CONFIG, NOTIFICATION_METRICS], useFactory: sendGridDeliveryOf },
    { provide: EmailSender, inject: [SERVICE_CONFIG, Messaging, SecretBox, SendGridDelivery, NOTIFICATION_METRICS, TOPICS], useFactory: emailSenderOf },
    EmailQueueGauges,
    QueueLicenseEmails,
    LicenseEmailConsumer,
  ],
  exports: [NOTIFICATION_METRICS, SendGridDelivery, EmailSender],
})
export class DeliveryModule {}
