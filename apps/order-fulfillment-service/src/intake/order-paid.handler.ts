import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OrderPaidData, Topics } from '@keypool/contracts';
import { InboundEventOf, PermanentFailure, Tx, contractEvent } from '@keypool/messaging';
import { SecretBox, TOPICS, unnestRows } from '@keypool/platform';
import { deliverySettingsOf } from '../delivery/delivery-settings';
import { FulfillmentMetrics } from '../metrics/fulfillment-metrics';
import { appendStatusHistory } from '../orders/line-changes';
import { parentOrdersOf } from '../orders/saved-licenses';
import { lineKey } from '../orders/order-locks';
import { applyPendingRefunds, lockOrderIntake } from '../refunds/order-refunded.handler';
import { OrderPlan, planOrder, repeatedLineId } from './order-plan';

export interface IntakeResult {
  received: string[];
  /** OrderPaid events (new event ids) for orders already received: no effect. */
  duplicates: { orderId: string; eventId: string }[];
  notes: { orderId: string; note: string }[];
}

interface PaidOrder {
  eventId: string;
  order: OrderPaidData;
  plan?: OrderPlan;
}

/**
 * Stores paid orders with their lines and, in the same transaction, asks the pool for each
 * line's licenses. An order id already stored (or repeated in the chunk) changes nothing.
 */
@Injectable()
export class ReceivePaidOrders {
  private readonly logger = new Logger('ReceivePaidOrders');

  constructor(
    private readonly cipher: SecretBox,
    private readonly metrics: FulfillmentMetrics,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async receive(events: InboundEventOf<'OrderPaid'>[], tx: Tx): Promise<IntakeResult> {
    const result: IntakeResult = { received: [], duplicates: [], notes: [] };
    const candidates = new Map<string, PaidOrder>();
    for (const event of events) {
      const order = event.envelope.data;
      const problem = repeatedLineId(order);
      if (problem) throw new PermanentFailure(`invalid order ${order.orderId}: ${problem}`);
      if (candidates.has(order.orderId)) result.duplicates.push({ orderId: order.orderId, eventId: event.envelope.id });
      else candidates.set(order.orderId, { eventId: event.envelope.id, order });
    }
    const orders = [...candidates.values()];
    await lockOrderIntake(
      tx.manager,
      orders.map((paid) => paid.order.orderId),
    );
    await planAll(tx.manager, this.cipher, orders);
    const inserted = await insertOrders(tx.manager, orders);
    for (const paid of orders) {
      if (!inserted.has(paid.order.orderId)) result.duplicates.push({ orderId: paid.order.orderId, eventId: paid.eventId });
    }
    const fresh = orders.filter((paid) => inserted.has(paid.order.orderId));
    await insertLines(tx.manager, fresh);
    await appendStatusHistory(
      tx.manager,
      fresh.flatMap(({ order, eventId, plan }) => [
        { orderId: order.orderId, lineId: null, status: 'received', reason: null, eventId },
        ...plan!.lines.map((line) => ({ orderId: order.orderId, lineId: line.lineId, status: 'received', reason: null, eventId })),
      ]),
    );
    // A refund that came first is applied now: its held lines are cancelled and never asked for.
    const refunded = await applyPendingRefunds(
      tx,
      fresh.map(({ order }) => ({ orderId: order.orderId, merchantId: order.merchantId })),
      this.topics,
    );
    result.notes.push(...refunded.notes);
    for (const { order, plan } of fresh) {
      const requests = plan!.requests.filter((request) => !refunded.cancelled.has(lineKey(request.orderId, request.lineId)));
      tx.publish(...requests.map((request) => contractEvent('AllocationRequested', request, { producer: 'order-fulfillment-service', topics: this.topics })));
      result.received.push(order.orderId);
      result.notes.push(...plan!.notes.map((note) => ({ orderId: order.orderId, note })));
    }
    tx.afterCommit(() => this.report(result));
    return result;
  }

  private report(result: IntakeResult): void {
    this.metrics.ordersReceived.inc(result.received.length);
    this.metrics.duplicateOrders.inc(result.duplicates.length);
    for (const duplicate of result.duplicates) this.logger.warn(duplicate, 'OrderPaid for an order already received; ignored');
    for (const note of result.notes) this.logger.warn(note, 'order received with a note');
  }
}

async function planAll(manager: EntityManager, cipher: SecretBox, orders: PaidOrder[]): Promise<void> {
  const parents = await parentOrdersOf(
    manager,
    cipher,
    orders.flatMap(({ order }) => (order.parentOrderId ? [order.parentOrderId] : [])),
  );
  const settingOf = await deliverySettingsOf(
    manager,
    orders.flatMap(({ order }) => order.items.map((item) => ({ merchantId: order.merchantId, productId: item.productId }))),
  );
  for (const paid of orders) {
    const { order } = paid;
    const parent = order.parentOrderId ? parents.get(order.parentOrderId) : undefined;
    paid.plan = planOrder(order, (productId) => settingOf(order.merchantId, productId), parent);
  }
}

async function insertOrders(manager: EntityManager, orders: PaidOrder[]): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  const u = unnestRows(orders, {
    order_id: ['text', (p) => p.order.orderId],
    merchant_id: ['text', (p) => p.order.merchantId],
    event_id: ['text', (p) => p.eventId],
    currency: ['text', (p) => p.order.currency],
    paid_at: ['text', (p) => p.order.paidAt],
    test: ['boolean', (p) => p.order.test ?? false],
    parent_order_id: ['text', (p) => p.order.parentOrderId ?? null],
    license_for: ['text', (p) => p.order.licenseFor ?? null],
    customer: ['text', (p) => JSON.stringify(p.order.customer)],
    notes: ['text', (p) => JSON.stringify(p.plan!.notes)],
  });
  const rows: { order_id: string }[] = await manager.query(
    `INSERT INTO orders (order_id, merchant_id, order_paid_event_id, currency, paid_at, test, parent_order_id, license_for, customer, notes, status)
     SELECT u.order_id, u.merchant_id, u.event_id, u.currency, u.paid_at::timestamptz, u.test, u.parent_order_id, u.license_for,
            u.customer::jsonb, ARRAY(SELECT jsonb_array_elements_text(u.notes::jsonb)), 'received'
       FROM ${u.from}
     ON CONFLICT (order_id) DO NOTHING
     RETURNING order_id`,
    u.parameters,
  );
  return new Set(rows.map((r) => r.order_id));
}

async function insertLines(manager: EntityManager, orders: PaidOrder[]): Promise<void> {
  const lines = orders.flatMap(({ order, plan }) => plan!.lines.map((line) => ({ orderId: order.orderId, ...line })));
  if (lines.length === 0) return;
  const u = unnestRows(lines, {
    order_id: ['text', (l) => l.orderId],
    line_id: ['text', (l) => l.lineId],
    position: ['int', (l) => l.position],
    product_id: ['text', (l) => l.productId],
    item: ['text', (l) => JSON.stringify(l.item)],
    rule: ['text', (l) => l.rule],
    license_count: ['int', (l) => l.licenseCount],
  });
  await manager.query(
    `INSERT INTO order_lines (order_id, line_id, position, product_id, item, delivery_rule, license_count, status)
     SELECT u.order_id, u.line_id, u.position, u.product_id, u.item::jsonb, u.rule, u.license_count, 'received'
       FROM ${u.from}`,
    u.parameters,
  );
}
