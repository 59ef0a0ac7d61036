import type { Producer } from 'kafkajs';
import { CLOUDEVENTS_CONTENT_TYPE, dataschemaOf, defaultTopics, exampleEventData, type OrderPaidData } from '@keypool/contracts';
import { contractEvent, envelope, kafkaMessageOf, sourceOf } from '@keypool/messaging';
import type { Timeline } from './timeline';

/** The products of the run: one with stock for every line, one that runs dry, one of a merchant without pools. */
export const PRODUCTS = {
  plenty: { merchantId: 'm_acme', productId: 'p_chaos' },
  scarce: { merchantId: 'm_acme', productId: 'p_scarce' },
  orphan: { merchantId: 'm_globex', productId: 'p_orphan' },
} as const;

export interface PaidLine {
  lineId: string;
  productId: string;
  quantity: number;
}

export interface PaidOrder {
  orderId: string;
  merchantId: string;
  lines: PaidLine[];
}

export interface MalformedMessage {
  key: string;
  kind: 'invalid JSON' | 'schema violation' | 'quantity over the limit';
}

interface Outgoing {
  key: string;
  value: string;
  headers: Record<string, string>;
  valid: boolean;
}

export interface LoadPlan {
  orders: PaidOrder[];
  malformed: MalformedMessage[];
  messages: Outgoing[];
}

/**
 * `orders` valid OrderPaid with `malformed` bad messages spread evenly among them. Most orders
 * buy one unit of the plentiful product; every 10th also buys two of it and one of the scarce
 * product (some of those lines wait for stock); every 50th is for a merchant with no pool.
 */
export function planLoad(prefix: string, orderCount: number, malformedCount: number): LoadPlan {
  const orders = Array.from({ length: orderCount }, (_, i) => orderAt(prefix, i));
  const malformed = Array.from({ length: malformedCount }, (_, i) => malformedAt(prefix, i));
  const messages: Outgoing[] = [];
  const every = malformedCount > 0 ? orderCount / malformedCount : Infinity;
  let next = 0;
  orders.forEach((order, i) => {
    messages.push(validMessage(order, i));
    while (next < malformed.length && (next + 1) * every <= i + 1) messages.push(malformedMessage(malformed[next++]));
  });
  while (next < malformed.length) messages.push(malformedMessage(malformed[next++]));
  return { orders, malformed, messages };
}

/** Licenses each product needs if every line is served. */
export function unitsWanted(plan: LoadPlan, productId: string): number {
  return plan.orders
    .flatMap((o) => o.lines)
    .filter((l) => l.productId === productId)
    .reduce((sum, l) => sum + l.quantity, 0);
}

/**
 * Publishes the plan at `ratePerSecond` valid orders, in 100 ms steps. A step that fails (the
 * broker is restarting) is sent again, the same events with the same ids, until it is
 * acknowledged; the run then catches up with the schedule.
 */
export async function publishLoad(producer: Producer, topic: string, plan: LoadPlan, ratePerSecond: number, timeline: Timeline): Promise<void> {
  const start = Date.now();
  const perStep = Math.max(1, Math.round(ratePerSecond / 10));
  let validSent = 0;
  let failures = 0;
  for (let i = 0; i < plan.messages.length;) {
    let end = i;
    let valid = 0;
    while (end < plan.messages.length && (valid < perStep || !plan.messages[end].valid)) {
      if (plan.messages[end].valid) valid += 1;
      end += 1;
    }
    const step = plan.messages.slice(i, end).map(({ key, value, headers }) => ({ key, value, headers }));
    try {
      await producer.send({ topic, acks: -1, messages: step });
    } catch (error) {
      if (failures++ % 10 === 0) timeline.note('publish failed, retrying', topic, String((error as Error).message));
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    i = end;
    validSent += valid;
    const due = start + (validSent / ratePerSecond) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  timeline.note('published', topic, `${plan.orders.length} orders and ${plan.malformed.length} malformed messages`);
}

function orderAt(prefix: string, i: number): PaidOrder {
  const orderId = `${prefix}-o${i}`;
  if (i % 50 === 25) return { orderId, merchantId: PRODUCTS.orphan.merchantId, lines: [{ lineId: '1', productId: PRODUCTS.orphan.productId, quantity: 1 }] };
  const lines: PaidLine[] = [{ lineId: '1', productId: PRODUCTS.plenty.productId, quantity: 1 }];
  if (i % 10 === 9)
    lines.push({ lineId: '2', productId: PRODUCTS.plenty.productId, quantity: 2 }, { lineId: '3', productId: PRODUCTS.scarce.productId, quantity: 1 });
  return { orderId, merchantId: PRODUCTS.plenty.merchantId, lines };
}

function orderPaidData(order: PaidOrder, i: number): OrderPaidData {
  const base = exampleEventData.OrderPaid;
  const item = base.items[0];
  return {
    ...base,
    orderId: order.orderId,
    merchantId: order.merchantId,
    customer: { ...base.customer, email: `buyer${i}@chaos.example` },
    items: order.lines.map((l) => ({
      ...item,
      lineId: l.lineId,
      productId: l.productId,
      quantity: l.quantity,
      lineTotal: (Number(item.unitPrice) * l.quantity).toFixed(2),
    })),
  };
}

function validMessage(order: PaidOrder, i: number): Outgoing {
  // publishLoad sends the plan to the run's own topic; the event's topic is not used.
  const event = contractEvent('OrderPaid', orderPaidData(order, i), { producer: 'chaos', topics: defaultTopics });
  return { ...kafkaMessageOf(event), valid: true };
}

function malformedAt(prefix: string, i: number): MalformedMessage {
  const kinds: MalformedMessage['kind'][] = ['invalid JSON', 'schema violation', 'quantity over the limit'];
  return { key: `${prefix}-bad${i}`, kind: kinds[i % kinds.length] };
}

function malformedMessage(bad: MalformedMessage): Outgoing {
  const order: PaidOrder = {
    orderId: bad.key,
    merchantId: PRODUCTS.plenty.merchantId,
    lines: [{ lineId: '1', productId: PRODUCTS.plenty.productId, quantity: 1 }],
  };
  const data = orderPaidData(order, 0);
  const value =
    bad.kind === 'invalid JSON'
      ? `{"specversion":"1.0","id":"${bad.key}","data":{`
      : bad.kind === 'schema violation'
        ? JSON.stringify(
            envelope({
              type: 'OrderPaid',
              source: sourceOf('chaos'),
              dataschema: dataschemaOf('OrderPaid'),
              data: { ...data, customer: { ...data.customer, email: undefined } },
            }),
          )
        : JSON.stringify(
            envelope({
              type: 'OrderPaid',
              source: sourceOf('chaos'),
              dataschema: dataschemaOf('OrderPaid'),
              data: { ...data, items: [{ ...data.items[0], quantity: 10001 }] },
            }),
          );
  return { key: bad.key, value, headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE }, valid: false };
}
