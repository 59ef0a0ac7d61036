import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@keypool/messaging';
import { PlatformModule, RevealAuditModule, ServiceDatabaseModule } from '@keypool/platform';
import { fulfillmentEnvSchema } from './config';
import { ConsumersModule } from './consumers/consumers.module';
import { DeliveryModule } from './delivery/delivery.module';
import { ProductDeliveryEntity } from './delivery/product-delivery.entity';
import { FulfillmentMetricsModule } from './metrics/fulfillment-metrics.module';
import { fulfillmentMigrations } from './migrations';
import { OrderApiModule } from './order-api/order-api.module';
import { OrderPageModule } from './order-page/order-page.module';
import { fulfillmentEntities } from './orders/order.entity';
import { ResendModule } from './resend/resend.module';
import { fulfillmentRetention } from './retention/fulfillment-retention';
import { RevealModule } from './reveal/reveal.module';
import { StuckLinesModule } from './stuck-lines/stuck-lines.module';

/** Built from an environment so tests can start the service with their own database and topics. */
@Module({})
export class AppModule {
  static forEnv(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ serviceName: 'order-fulfillment-service', envSchema: fulfillmentEnvSchema, env }),
        ServiceDatabaseModule.forRoot({ entities: [...fulfillmentEntities, ProductDeliveryEntity], migrations: fulfillmentMigrations }),
        MessagingModule.forRoot({
          topics: (topics) => ({
            produces: [
              topics.allocationRequested,
              topics.licenseAllocated,
              topics.orderFulfilled,
              topics.allocationRefunded,
              topics.orderLineHeld,
              topics.licensesRevealed,
            ],
            consumes: [topics.orderPaid, topics.licenseAllocated, topics.allocationDeferred, topics.emailSent, topics.emailFailed, topics.orderRefunded],
          }),
          retention: fulfillmentRetention,
        }),
        FulfillmentMetricsModule,
        ConsumersModule,
        DeliveryModule,
        OrderApiModule,
        OrderPageModule,
        ResendModule,
        RevealModule,
        StuckLinesModule,
        RevealAuditModule,
      ],
    };
  }
}
