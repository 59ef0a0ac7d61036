import 'reflect-metadata';
import { bootstrapService } from '@keypool/platform';
import { AppModule } from './app.module';
import { notificationEnvSchema } from './config';

void bootstrapService(() => AppModule.forEnv(), {
  title: 'keypool notification-service',
  description: "License e-mails to customers (merchant texts with tags), PoolLow alerts to merchants' contacts.",
  // The contract's default port, as the settings schema declares it.
  port: notificationEnvSchema.properties.PORT.default as number,
});
