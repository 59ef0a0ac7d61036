import Ajv, { type Format, type FormatDefinition, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CloudEventEnvelope } from './cloudevent';
import { formatSchemaErrors } from './format-errors';
import { eventDataSchemas, eventTypes, type EventDataOf, type EventType } from './registry';

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/**
 * A date-time as keypool writes them (toISOString: UTC, `Z`), with a day no month lacks (01-28)
 * and no leap second: every string this accepts, ajv-formats' date-time accepts too.
 */
const CANONICAL_DATE_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?Z$/;

/**
 * ajv-formats' date-time, answering the canonical form with one regular-expression test first.
 * Its own check splits the string and runs two regular expressions with capture groups, a good
 * part of what validating an event allocates (every envelope has a time, most data one or more);
 * anything else (other days, offsets, leap seconds, invalid text) still gets its full check.
 */
function withCanonicalDateTimeFirst(format: Format): FormatDefinition<string> {
  const definition = format as FormatDefinition<string>;
  if (typeof definition !== 'object' || typeof definition.validate !== 'function' || definition.async)
    throw new Error('ajv-formats date-time is expected to be a synchronous format function');
  const full = definition.validate;
  return { ...definition, validate: (value: string) => CANONICAL_DATE_TIME.test(value) || full(value) };
}

// allErrors so one DLQ entry lists every problem; verbose so messages can say
// what was expected and received. No coercion or defaults: a validated value
// is exactly what the producer sent, unknown fields included.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
addFormats(ajv, ['date-time', 'email', 'uri']);
// Wraps the date-time that addFormats just added (its public result), not ajv-formats' internal module.
ajv.addFormat('date-time', withCanonicalDateTimeFirst(ajv.formats['date-time'] as Format));

const envelopeValidator = ajv.compile<CloudEventEnvelope>(CloudEventEnvelope);

const dataValidators = Object.fromEntries(eventTypes.map((type) => [type, ajv.compile(eventDataSchemas[type])])) as {
  [T in EventType]: ValidateFunction<EventDataOf<T>>;
};

export function validateEventData<T extends EventType>(type: T, data: unknown): Validation<EventDataOf<T>> {
  const validate = dataValidators[type] as ValidateFunction<EventDataOf<T>>;
  if (validate(data)) return { ok: true, value: data };
  return { ok: false, errors: formatSchemaErrors(validate.errors ?? [], 'data') };
}

/** Checks the CloudEvents attributes only; `data` must be an object but its shape is not looked at. */
export function validateEnvelope(json: unknown): Validation<CloudEventEnvelope> {
  if (envelopeValidator(json)) return { ok: true, value: json };
  return { ok: false, errors: formatSchemaErrors(envelopeValidator.errors ?? [], '', 'envelope') };
}
