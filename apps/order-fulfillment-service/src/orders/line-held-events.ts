import type { OrderLineHeldData } from '@keypool/contracts';
import { OutgoingEvent, TopicsFor, contractEvent } from '@keypool/messaging';
import type { LineStatus } from './line-status';

const held: readonly LineStatus[] = ['awaiting_stock', 'unroutable'];

/**
 * What the checkout's order page is told about a line (OrderLineHeld): it started waiting, or
 * moved between waiting states, or stopped waiting (served, cancelled). Null when the change
 * says nothing to the customer (a line served at once never waited).
 */
export function lineHeldStatus(previous: LineStatus, next: LineStatus): OrderLineHeldData['status'] | null {
  if (next === 'awaiting_stock' || next === 'unroutable') return previous === next ? null : next;
  if (!held.includes(previous)) return null;
  if (next === 'cancelled') return 'cancelled';
  return 'served';
}

export function orderLineHeld(data: OrderLineHeldData, topics: TopicsFor<'OrderLineHeld'>): OutgoingEvent<OrderLineHeldData> {
  return contractEvent('OrderLineHeld', data, { producer: 'order-fulfillment-service', topics });
}
