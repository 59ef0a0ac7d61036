import { CLOUDEVENTS_CONTENT_TYPE, type CloudEventEnvelope } from './cloudevent';
import { eventTypes, isEventType, type CloudEventOf, type EventType, type KeypoolEvent } from './registry';
import { validateEnvelope, validateEventData } from './validate';

export type ParseProblem = 'not-json' | 'invalid-envelope' | 'unknown-type' | 'wrong-type' | 'invalid-data';

/** On failure, `envelope` is present once the envelope itself was valid, e.g. to log its id. */
export type ParseResult<E> = { ok: true; value: E } | { ok: false; problem: ParseProblem; errors: string[]; envelope?: CloudEventEnvelope };

const utf8 = new TextDecoder();
const EXPECTED = `expected a CloudEvents 1.0 envelope in JSON (content-type ${CLOUDEVENTS_CONTENT_TYPE})`;

/**
 * Reads a Kafka message value (Buffer, string, or null for a tombstone) into a
 * validated keypool event. With `expectedType`, any other type is refused, so a
 * consumer of one topic gets exactly the event it expects.
 */
export function parseCloudEvent(raw: string | Uint8Array | null | undefined): ParseResult<KeypoolEvent>;
export function parseCloudEvent<T extends EventType>(raw: string | Uint8Array | null | undefined, expectedType: T): ParseResult<CloudEventOf<T>>;
export function parseCloudEvent(raw: string | Uint8Array | null | undefined, expectedType?: EventType): ParseResult<KeypoolEvent> {
  const text = typeof raw === 'string' ? raw : raw ? utf8.decode(raw) : '';
  if (text.trim() === '') return failure('not-json', [`message value is empty: ${EXPECTED}`]);
  const json = parseJson(text);
  // Parser messages quote the input, which may hold customer data, so they are not passed on.
  if (json === undefined) return failure('not-json', [`message value is not valid JSON: ${EXPECTED}`]);

  const envelope = validateEnvelope(json);
  if (!envelope.ok) return failure('invalid-envelope', envelope.errors);
  const { type } = envelope.value;
  if (!isEventType(type)) {
    const message = `type: unknown event type ${JSON.stringify(type)}; known types are ${eventTypes.join(', ')}`;
    return failure('unknown-type', [message], envelope.value);
  }
  if (expectedType && type !== expectedType) {
    const message = `type: expected ${JSON.stringify(expectedType)} on this topic, got ${JSON.stringify(type)}`;
    return failure('wrong-type', [message], envelope.value);
  }
  const data = validateEventData(type, envelope.value.data);
  if (!data.ok) return failure('invalid-data', data.errors, envelope.value);
  return { ok: true, value: withoutNullAttributes(envelope.value) as KeypoolEvent };
}

/**
 * Optional attributes may be sent as null ("absent or null"); consumers see them absent, so a
 * `resendof: null` original can never pass for a resend. Nearly every envelope has none, so the
 * attributes are looked at in place and only an envelope with a null one is copied.
 */
function withoutNullAttributes(envelope: CloudEventEnvelope): CloudEventEnvelope {
  const attributes = envelope as Record<string, unknown>;
  if (!hasNullAttribute(attributes)) return envelope;
  const copy = { ...attributes };
  for (const key of Object.keys(copy)) if (key !== 'data' && copy[key] === null) delete copy[key];
  return copy as CloudEventEnvelope;
}

// for-in walks the object's keys without building an array of them (Object.keys does, for every
// event); the own-property check keeps it to what Object.keys would list.
function hasNullAttribute(attributes: Record<string, unknown>): boolean {
  for (const key in attributes) if (key !== 'data' && attributes[key] === null && Object.hasOwn(attributes, key)) return true;
  return false;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function failure(problem: ParseProblem, errors: string[], envelope?: CloudEventEnvelope) {
  return { ok: false as const, problem, errors, ...(envelope ? { envelope } : {}) };
}
