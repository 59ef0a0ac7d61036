import { Module } from '@nestjs/common';
import { FulfillmentMetrics } from './fulfillment-metrics';

/** The service's counters and the lines-by-status gauge, shared by the use cases that count. */
@Module({ providers: [FulfillmentMetrics], exports: [FulfillmentMetrics] })
export class FulfillmentMetricsModule {}
