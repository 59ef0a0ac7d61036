import 'reflect-metadata';
import { bootstrapService } from '@keypool/platform';
import { AppModule } from './app.module';
import { fulfillmentEnvSchema } from './config';

void bootstrapService(() => AppModule.forEnv(), {
  title: 'keypool order-fulfillment-service',
  description: 'Orders: intake of paid orders, delivery rules, line statuses, e-mail history, license resends.',
  // The contract's default port, as the settings schema declares it.
  port: fulfillmentEnvSchema.properties.PORT.default as number,
});
