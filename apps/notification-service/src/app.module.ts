import { DynamicModule, Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Topics } from '@keypool/contracts';
import { Messaging, MessagingModule } from '@keypool/messaging';
import { Metrics, PlatformModule, SERVICE_CONFIG, SecretBox, ServiceDatabaseModule, TOPICS } from '@keypool/platform';
import { AlertContacts } from './alert-contacts/alert-contacts.entity';
import { AlertContactsController } from './alert-contacts/alert-contacts.controller';
import { AlertContactBook } from './alert-contacts/alert-contacts.handler';
import { NotificationConfig, notificationEnvSchema } from './config';
import { Delivery } from './delivery/delivery.entity';
import { EmailSender } from './delivery/email-sender';
import { LicenseEmailConsumer } from './delivery/license-email.consumer';
import { MAIL_SETTINGS, mailSettingsOf } from './delivery/mail-settings';
import { NOTIFICATION_METRICS, NotificationMetrics, notificationMetrics, registerEmailQueueGauges } from './delivery/notification-metrics';
import { SendGridDelivery } from './delivery/sendgrid-delivery';
import { EmailText } from './email-texts/email-text.entity';
import { EmailTextsController } from './email-texts/email-texts.controller';
import { EmailTexts } from './email-texts/email-texts.handler';
import { MerchantSender } from './merchant-senders/merchant-sender.entity';
import { MerchantSendersController } from './merchant-senders/merchant-senders.controller';
import { MerchantSenders } from './merchant-senders/merchant-senders.handler';
import { notificationMigrations } from './migrations';
import { emailRetention } from './delivery/email-retention';
import { PoolLowConsumer } from './pool-alerts/pool-low.consumer';
import { MerchantTextTemplates } from './templates/merchant-text-template';

/** Built from an environment so tests can start the service with their own database, topics and sink. */
@Module({})
export class AppModule {
  static forEnv(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ serviceName: 'notification-service', envSchema: notificationEnvSchema, env }),
        ServiceDatabaseModule.forRoot({ entities: [EmailText, AlertContacts, Delivery, MerchantSender], migrations: notificationMigrations }),
        MessagingModule.forRoot({
          topics: (topics) => ({ produces: [topics.emailSent, topics.emailFailed], consumes: [topics.licenseAllocated, topics.poolLow] }),
          retention: emailRetention,
        }),
      ],
      controllers: [EmailTextsController, AlertContactsController, MerchantSendersController],
      providers: [
        { provide: MerchantTextTemplates, useValue: new MerchantTextTemplates() },
        { provide: EmailTexts, inject: [DataSource], useFactory: (dataSource: DataSource) => new EmailTexts(dataSource) },
        { provide: MerchantSenders, inject: [DataSource], useFactory: (dataSource: DataSource) => new MerchantSenders(dataSource) },
        { provide: AlertContactBook, inject: [DataSource], useFactory: (dataSource: DataSource) => new AlertContactBook(dataSource) },
        { provide: NOTIFICATION_METRICS, inject: [Metrics], useFactory: notificationMetrics },
        { provide: MAIL_SETTINGS, inject: [SERVICE_CONFIG], useFactory: mailSettingsOf },
        {
          provide: SendGridDelivery,
          inject: [SERVICE_CONFIG, NOTIFICATION_METRICS],
          useFactory: (config: NotificationConfig, metrics: NotificationMetrics) =>
            new SendGridDelivery(
              {
                apiKey: config.SENDGRID_API_KEY,
                baseUrl: config.SENDGRID_BASE_URL,
                timeoutMs: config.SENDGRID_TIMEOUT_MS,
                batchSize: config.SENDGRID_BATCH_SIZE,
                retry: {
                  maxAttempts: config.SENDGRID_MAX_ATTEMPTS,
                  baseDelayMs: config.SENDGRID_RETRY_BASE_MS,
                  maxDelayMs: config.SENDGRID_RETRY_MAX_DELAY_MS,
                },
              },
              (statusCode) => metrics.retried(statusCode),
            ),
        },
        {
          provide: EmailSender,
          inject: [SERVICE_CONFIG, Messaging, SecretBox, SendGridDelivery, NOTIFICATION_METRICS, TOPICS, Metrics, DataSource],
          useFactory: (
            config: NotificationConfig,
            messaging: Messaging,
            cipher: SecretBox,
            delivery: SendGridDelivery,
            metrics: NotificationMetrics,
            topics: Topics,
            registry: Metrics,
            dataSource: DataSource,
          ) => {
            registerEmailQueueGauges(registry, dataSource);
            return new EmailSender(
              { transactions: messaging.transactions, cipher, delivery, metrics, topics, logger: new Logger(EmailSender.name) },
              {
                leaseMs: config.EMAIL_SEND_LEASE_MS,
                pollMs: config.EMAIL_SEND_POLL_MS,
                claimSize: config.EMAIL_SEND_CLAIM_SIZE,
                retry: { baseDelayMs: config.EMAIL_RETRY_BASE_MS, maxDelayMs: config.EMAIL_RETRY_MAX_DELAY_MS, maxAgeMs: config.EMAIL_MAX_RETRY_AGE_MS },
                retryBudgetMs: config.SENDGRID_RETRY_BUDGET_MS,
                concurrency: config.SENDGRID_CONCURRENCY,
                ...(config.EMAIL_SENDER_ID ? { senderId: config.EMAIL_SENDER_ID } : {}),
              },
            );
          },
        },
        LicenseEmailConsumer,
        PoolLowConsumer,
      ],
    };
  }
}
