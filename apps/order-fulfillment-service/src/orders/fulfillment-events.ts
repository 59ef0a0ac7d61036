import { dataschemaOf, type EventDataOf, type EventType } from '@keypool/contracts';
import { envelope, type OutgoingEvent } from '@keypool/messaging';

export const EVENT_SOURCE = '/keypool/order-fulfillment-service';

/** An event about one order, keyed by orderId so its events stay in order on their topic. */
export function orderEvent<T extends EventType>(
  type: T,
  topic: string,
  data: EventDataOf<T> & { orderId: string },
  resendof?: string,
): OutgoingEvent<EventDataOf<T>> {
  return {
    topic,
    key: data.orderId,
    aggregateType: 'order',
    envelope: envelope({ type, source: EVENT_SOURCE, data, dataschema: dataschemaOf(type), ...(resendof ? { resendof } : {}) }),
  };
}
