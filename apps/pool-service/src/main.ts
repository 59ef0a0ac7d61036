import 'reflect-metadata';
import { bootstrapService } from '@keypool/platform';
import { AppModule } from './app.module';

void bootstrapService(() => AppModule.forEnv(), {
  title: 'keypool pool-service',
  description: 'License pools: create and route pools, import licenses, watch stock.',
  port: 3001,
});
