import { EventType, parseCloudEvent } from '@keypool/contracts';
import type { Envelope } from '../envelope';
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
