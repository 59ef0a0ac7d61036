import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@keypool/messaging';
import { PlatformModule, RevealAuditController, ServiceDatabaseModule } from '@keypool/platform';
import { fulfillmentEnvSchema } from './config';
import { ConsumersModule } from './consumers/consumers.module';
import { DeliveryController } from './delivery/delivery.controller';
import { ProductDeliverySettings } from './delivery/delivery-settings';
import { ProductDeliveryEntity } from './delivery/product-delivery.entity';
import { FulfillmentMetricsModule } from './metrics/fulfillment-metrics.module';
import { fulfillmentMigrations } from './migrations';
import { fulfillmentRetention } from './retention/fulfillment-retention';
import { OrdersController } from './order-api/orders.controller';
import { OrderPageController } from './order-page/order-page.controller';
import { OrderPages } from './order-page/order-page.handler';
import { OrderReads } from './order-api/order-reads';
import { fulfillmentEntities } from './orders/order.entity';
import { ResendController } from './resend/resend.controller';
import { RevealController } from './reveal/reveal.controller';
import { RevealLineLicenses } from './reveal/reveal-line-licenses.handler';
import { StuckLineMetrics } from './stuck-lines/stuck-line-metrics';
import { StuckLinesController } from './stuck-lines/stuck-lines.controller';
import { StuckLines } from './stuck-lines/stuck-lines.handler';

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
            produces: [topics.allocationRequested, topics.licenseAllocated, topics.orderFulfilled, topics.allocationRefunded, topics.orderLineHeld],
            consumes: [topics.orderPaid, topics.licenseAllocated, topics.allocationDeferred, topics.emailSent, topics.emailFailed, topics.orderRefunded],
          }),
          retention: fulfillmentRetention,
        }),
        FulfillmentMetricsModule,
        ConsumersModule,
      ],
      controllers: [DeliveryController, OrdersController, OrderPageController, ResendController, RevealController, RevealAuditController, StuckLinesController],
      providers: [StuckLineMetrics, OrderReads, OrderPages, ProductDeliverySettings, RevealLineLicenses, StuckLines],
    };
  }
}
