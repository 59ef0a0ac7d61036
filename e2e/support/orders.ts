import type { Kafka } from 'kafkajs';
import { OrderPaidData, dataschemaOf, exampleEventData } from '@keypool/contracts';
import { envelope } from '@keypool/messaging';
import { produceCloudEvents, uniqueName } from '@keypool/testing';

export interface LineSpec {
  productId: string;
  quantity: number;
}

/** An OrderPaid as the upstream checkout publishes it, for the given lines. */
export function orderPaid(merchantId: string, lines: LineSpec[], extra: Partial<OrderPaidData> = {}): OrderPaidData {
  const base = exampleEventData.OrderPaid;
  return {
    ...base,
    orderId: uniqueName('ord'),
    merchantId,
    items: lines.map((line, index) => ({
      ...base.items[0],
      lineId: String(index + 1),
      productId: line.productId,
      productName: `Product ${line.productId}`,
      quantity: line.quantity,
    })),
    ...extra,
  };
}

export function orderPaidEvent(data: OrderPaidData) {
  return envelope({ type: 'OrderPaid', source: 'e2e/checkout', dataschema: dataschemaOf('OrderPaid'), data });
}

/** `key` defaults to the order id, as the contract keys order-paid. */
export async function publishOrderPaid(kafka: Kafka, topic: string, event: ReturnType<typeof orderPaidEvent>, key = event.data.orderId): Promise<void> {
  await produceCloudEvents(kafka, topic, key, [event]);
}
