import {
  CLOUDEVENTS_CONTENT_TYPE,
  dataschemaOf,
  messageKeyFields,
  messageKeyOf,
  topicOfEvent,
  type EventDataOf,
  type EventType,
  type Topics,
} from '@keypool/contracts';
import { envelope, type Envelope, type OutgoingEvent } from './envelope';

/** Everything in keypool that publishes events; each one is the CloudEvents source `/keypool/<name>`. */
export type EventProducer = 'pool-service' | 'order-fulfillment-service' | 'notification-service' | 'support-cli' | 'demo' | 'bench' | 'chaos';

/** The key (a member of Topics) of the topic events of type T go to. */
export type TopicOf<T extends EventType> = (typeof topicOfEvent)[T];

/** The topics a producer of T must know: just T's, so a handler can be given only what it publishes. */
export type TopicsFor<T extends EventType> = Pick<Topics, TopicOf<T>>;

export interface ContractEventOptions<T extends EventType> {
  producer: EventProducer;
  /** The service's configured topic names (TOPIC_* variables); the contract says which one T uses. */
  topics: TopicsFor<T>;
  /** The id of the event this one repeats (a resend is a new event). */
  resendof?: string;
  /** Set only to publish an event built earlier again, unchanged. */
  id?: string;
  time?: Date;
}

/**
 * The outbox's aggregate is what the message key names: an order for every event keyed by
 * orderId, a pool for PoolLow, a license for LicenseRevoked. The key is the aggregate id, as in Debezium's outbox router.
 */
const aggregateTypeOfKey: Record<string, string> = { orderId: 'order', poolId: 'pool', licenseId: 'license' };

export function aggregateTypeOf(type: EventType): string {
  const aggregate = aggregateTypeOfKey[messageKeyFields[type]];
  if (!aggregate) throw new Error(`no aggregate type for the key ${messageKeyFields[type]} of ${type}`);
  return aggregate;
}

export function sourceOf(producer: EventProducer): string {
  return `/keypool/${producer}`;
}

/**
 * The one way keypool builds an event to publish: topic, key, aggregate type, `dataschema` and
 * `source` all follow from the contract (libs/contracts) and the producer's name.
 */
export function contractEvent<T extends EventType>(type: T, data: EventDataOf<T>, options: ContractEventOptions<T>): OutgoingEvent<EventDataOf<T>> {
  const built = envelope({
    type,
    source: sourceOf(options.producer),
    dataschema: dataschemaOf(type),
    data,
    ...(options.resendof ? { resendof: options.resendof } : {}),
    ...(options.id ? { id: options.id } : {}),
    ...(options.time ? { time: options.time } : {}),
  });
  return routed(type, built, options.topics);
}

/** An event built (and stored) earlier, published again unchanged: same id, same attributes. */
export function republishedEvent<T extends EventType>(type: T, stored: Envelope<EventDataOf<T>>, topics: TopicsFor<T>): OutgoingEvent<EventDataOf<T>> {
  if (stored.type !== type) throw new Error(`event ${stored.id} is a ${stored.type}, not a ${type}`);
  return routed(type, stored, topics);
}

function routed<T extends EventType>(type: T, built: Envelope<EventDataOf<T>>, topics: TopicsFor<T>): OutgoingEvent<EventDataOf<T>> {
  return { topic: topics[topicOfEvent[type]], key: messageKeyOf(type, built.data), aggregateType: aggregateTypeOf(type), envelope: built };
}

/** The Kafka message of an outgoing event, for tools that produce without an outbox (the relay does the same). */
export function kafkaMessageOf(event: OutgoingEvent) {
  return { key: event.key, value: JSON.stringify(event.envelope), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } };
}
