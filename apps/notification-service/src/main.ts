import 'reflect-metadata';
import { bootstrapService } from '@keypool/platform';
import { AppModule } from './app.module';

void bootstrapService(() => AppModule.forEnv(), {
  title: 'keypool notification-service',
  description: "License e-mails to customers (merchant texts with tags), PoolLow alerts to merchants' contacts.",
  port: 3003,
});
