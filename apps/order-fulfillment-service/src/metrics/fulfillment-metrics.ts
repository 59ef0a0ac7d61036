import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { Metrics } from '@keypool/platform';
import { lineStatuses } from '../orders/line-status';
import { countOrderLines } from './order-line-counts';

/** The figures ops watch: orders in, repeats, lines by status, orders fulfilled, resends. */
@Injectable()
export class FulfillmentMetrics {
  readonly ordersReceived: Counter<string>;
  readonly duplicateOrders: Counter<string>;
  readonly ordersFulfilled: Counter<string>;
  readonly resends: Counter<string>;

  constructor(metrics: Metrics, dataSource: DataSource) {
    this.ordersReceived = metrics.counter('keypool_orders_received_total', 'Paid orders stored for the first time');
    this.duplicateOrders = metrics.counter('keypool_duplicate_orders_total', 'OrderPaid events for an order already received (no effect)');
    this.ordersFulfilled = metrics.counter('keypool_orders_fulfilled_total', 'Orders whose every line was e-mailed');
    this.resends = metrics.counter('keypool_license_resends_total', 'Order lines whose licenses were resent on request');
    // Read at scrape time from the database, so every instance reports the same truth; from
    // running totals kept by a trigger, so a scrape costs the same however many lines were sold.
    metrics.gauge('keypool_order_lines', 'Order lines by status', ['status'], async function () {
      const counts = await countOrderLines(dataSource.manager);
      for (const status of lineStatuses) this.set({ status }, counts[status]);
    });
  }
}
