import { parseCloudEvent, topicOfEvent, type EventDataOf, type EventType } from '@keypool/contracts';
import type { TopicsFor } from '../contract-event';
import type { ConsumerDefinition } from './consumer-runner';
import type { EventDecoder } from './inbound-event';

/**
 * Decodes with the contracts' validators, refusing any type other than the one each topic
 * carries, so a handler only ever sees valid events of its own type.
 */
export function contractDecoder<T extends EventType>(typeByTopic: Record<string, T>): EventDecoder<EventDataOf<T>> {
  return (topic, value) => {
    const expected = typeByTopic[topic];
    if (!expected) return { ok: false, reason: `no event type is expected on topic ${topic}` };
    const parsed = parseCloudEvent(value, expected);
    if (!parsed.ok) return { ok: false, reason: `${parsed.problem}: ${parsed.errors.join('; ')}` };
    const nul = mayHoldNul(value) ? pathOfNul(parsed.value, '') : undefined;
    if (nul !== undefined) return { ok: false, reason: `${nul || 'the event'} holds a NUL character (\\u0000), which PostgreSQL text cannot store` };
    return { ok: true, envelope: parsed.value };
  };
}

// JSON has one way to write a NUL: the escape \u0000 (a raw control character is not valid JSON,
// and the lower-case `u` is the only spelling JSON.parse accepts). UTF-8 decoding never turns
// other bytes into ASCII, so the raw bytes hold this escape whenever the decoded event holds a NUL.
const ESCAPED_NUL = '\\u0000';

/**
 * Whether the raw message value may decode to something holding a NUL. Most events never do, and
 * the walk below allocates for every field, so it only runs when the raw value holds the escape;
 * an escaped backslash followed by "u0000" also matches, and the walk then finds no NUL.
 */
function mayHoldNul(value: Buffer | null): boolean {
  return value !== null && value.includes(ESCAPED_NUL);
}

/**
 * Where a valid event holds a NUL character, if anywhere. PostgreSQL's text refuses it, and in a
 * statement of literals it would cut the statement short (a protocol error, which looks like a
 * broken connection and would be retried for ever): such an event is dead-lettered here instead.
 */
function pathOfNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = pathOfNul(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\0')) return `${path}.<key>`;
      const found = pathOfNul(item, path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Consumer groups are `<prefix>.<topic>`. The prefixes are the names the groups were created
 * with; order-fulfillment's differs from its service name, and renaming a group would start it
 * with no committed offsets, so they stay (docs/architecture.md, "Consumer groups").
 */
export const consumerGroupPrefixes = {
  'pool-service': 'pool-service',
  'order-fulfillment-service': 'order-fulfillment',
  'notification-service': 'notification-service',
} as const;

/** The services that consume contract topics. */
export type EventConsumer = keyof typeof consumerGroupPrefixes;

export interface ContractTopicConsumerOptions<T extends EventType> extends Omit<ConsumerDefinition<EventDataOf<T>>, 'groupId' | 'topics' | 'decode'> {
  consumer: EventConsumer;
  /** The service's configured topic names; the contract says which one carries T. */
  topics: TopicsFor<T>;
}

/**
 * A consumer of the contract topic of `type`: events decoded and validated as `type`, handed to
 * `handle` typed as `EventDataOf<T>`, in the group `<prefix>.<topic>`. The group is named after
 * the topic because kafkajs' assigner hands a group's members partitions of every topic any
 * member subscribed to: consumers of different topics (another deployment's, another test's)
 * must never share a group.
 */
export function contractTopicConsumer<T extends EventType>(type: T, options: ContractTopicConsumerOptions<T>): ConsumerDefinition<EventDataOf<T>> {
  const { consumer, topics, ...rest } = options;
  const topic = topics[topicOfEvent[type]];
  return {
    ...rest,
    groupId: `${consumerGroupPrefixes[consumer]}.${topic}`,
    topics: [topic],
    decode: contractDecoder({ [topic]: type }),
  };
}
