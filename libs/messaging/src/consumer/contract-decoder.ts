import { EventType, parseCloudEvent } from '@keypool/contracts';
import type { Envelope } from '../envelope';
import type { ConsumerDefinition } from './consumer-runner';
import type { EventDecoder } from './inbound-event';

/**
 * Decodes with the contracts' validators, refusing any type other than the one each topic
 * carries, so a handler only ever sees valid events of its own type.
 */
export function contractDecoder(typeByTopic: Record<string, EventType>): EventDecoder {
  return (topic, value) => {
    const expected = typeByTopic[topic];
    if (!expected) return { ok: false, reason: `no event type is expected on topic ${topic}` };
    const parsed = parseCloudEvent(value, expected);
    if (!parsed.ok) return { ok: false, reason: `${parsed.problem}: ${parsed.errors.join('; ')}` };
    return { ok: true, envelope: parsed.value as unknown as Envelope };
  };
}

/**
 * A consumer of one contract topic: events decoded and validated as `type`, in the group
 * `<groupPrefix>.<topic>`. The group is named after the topic because kafkajs' assigner hands a
 * group's members partitions of every topic any member subscribed to: consumers of different
 * topics (another deployment's, another test's) must never share a group.
 */
export function contractTopicConsumer(
  groupPrefix: string,
  definition: Omit<ConsumerDefinition, 'groupId' | 'topics' | 'decode'> & { topic: string; type: EventType },
): ConsumerDefinition {
  const { topic, type, ...rest } = definition;
  return { ...rest, groupId: `${groupPrefix}.${topic}`, topics: [topic], decode: contractDecoder({ [topic]: type }) };
}
