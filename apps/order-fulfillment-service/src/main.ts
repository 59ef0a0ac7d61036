import 'reflect-metadata';
import { bootstrapService } from '@keypool/platform';
import { AppModule } from './app.module';

void bootstrapService(() => AppModule.forEnv(), {
  title: 'keypool order-fulfillment-service',
  description: 'Orders: intake of paid orders, delivery rules, line statuses, e-mail history, license resends.',
  port: 3002,
});
