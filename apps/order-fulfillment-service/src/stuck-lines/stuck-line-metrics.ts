import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Metrics, SERVICE_CONFIG } from '@keypool/platform';
import type { FulfillmentConfig } from '../config';
import { countStuckLines } from './stuck-lines.handler';
import { stuckStatuses } from './stuck-lines-query';

/**
 * keypool_order_lines_stuck{status}: lines still received or allocated after STUCK_LINE_AGE_MS.
 * Counted at scrape time from the database, so every instance reports the same figure and
 * nothing runs between scrapes. Above zero means a line waits on an event that may never come.
 */
@Injectable()
export class StuckLineMetrics {
  constructor(metrics: Metrics, dataSource: DataSource, @Inject(SERVICE_CONFIG) config: FulfillmentConfig) {
    metrics.gauge(
      'keypool_order_lines_stuck',
      `Order lines still received or allocated after STUCK_LINE_AGE_MS (${config.STUCK_LINE_AGE_MS} ms); list them with GET /v1/stuck-lines`,
      ['status'],
      async function () {
        const counts = await countStuckLines(dataSource.manager, config.STUCK_LINE_AGE_MS);
        for (const status of stuckStatuses) this.set({ status }, counts[status]);
      },
    );
  }
}
