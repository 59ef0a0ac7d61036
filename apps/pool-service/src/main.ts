import 'reflect-metadata';
import { bootstrapService } from '@keypool/platform';
import { AppModule } from './app.module';
import { poolEnvSchema } from './config';

void bootstrapService(() => AppModule.forEnv(), {
  title: 'keypool pool-service',
  description: 'License pools: create and route pools, import licenses, watch stock.',
  // The contract's default port, as the settings schema declares it.
  port: poolEnvSchema.properties.PORT.default as number,
});
