import { Module } from '@nestjs/common';
import { SERVICE_CONFIG, SecretBox } from '@keypool/platform';
import type { PoolConfig } from '../config';
import { PoolEvents } from '../shared/pool-events';
import { PoolMetrics } from './pool-metrics';
import { PoolQueue } from './pool-queue';

/**
 * A pool's stock as every feature sees it: PoolQueue serves held lines and judges the PoolLow
 * alerts under the pool's row lock; PoolEvents builds what pool-service publishes. PoolQueue is
 * built by a factory because its policy is a setting (HELD_LINE_RESERVE_AFTER).
 */
@Module({
  providers: [
    PoolEvents,
    PoolMetrics,
    {
      provide: PoolQueue,
      inject: [SecretBox, PoolEvents, SERVICE_CONFIG],
      useFactory: (cipher: SecretBox, events: PoolEvents, config: PoolConfig) => new PoolQueue(cipher, events, config.HELD_LINE_RESERVE_AFTER),
    },
  ],
  exports: [PoolQueue, PoolEvents],
})
export class StockModule {}
