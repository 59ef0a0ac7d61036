import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@keypool/messaging';
import { PlatformModule, ServiceDatabaseModule } from '@keypool/platform';
import { AlertContacts } from './alert-contacts/alert-contacts.entity';
import { AlertContactsModule } from './alert-contacts/alert-contacts.module';
import { notificationEnvSchema } from './config';
import { DeliveryModule } from './delivery/delivery.module';
import { emailRetention } from './delivery/email-retention';
import { EmailText } from './email-texts/email-text.entity';
import { EmailTextsModule } from './email-texts/email-texts.module';
import { MerchantSender } from './merchant-senders/merchant-sender.entity';
import { MerchantSendersModule } from './merchant-senders/merchant-senders.module';
import { notificationMigrations } from './migrations';
import { PoolAlertsModule } from './pool-alerts/pool-alerts.module';

/**
 * Built from an environment so tests can start the service with their own database, topics and sink.
 * Each feature folder is a module: its controller translates HTTP, its use cases own the SQL.
 */
@Module({})
export class AppModule {
  static forEnv(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ serviceName: 'notification-service', envSchema: notificationEnvSchema, env }),
        ServiceDatabaseModule.forRoot({ entities: [EmailText, AlertContacts, MerchantSender], migrations: notificationMigrations }),
        MessagingModule.forRoot({
          topics: (topics) => ({ produces: [topics.emailSent, topics.emailFailed], consumes: [topics.licenseAllocated, topics.poolLow] }),
          retention: emailRetention,
        }),
        EmailTextsModule,
        AlertContactsModule,
        MerchantSendersModule,
        DeliveryModule,
        PoolAlertsModule,
      ],
    };
  }
}
