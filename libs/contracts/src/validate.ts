import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CloudEventEnvelope } from './cloudevent';
import { formatSchemaErrors } from './format-errors';
import { eventDataSchemas, eventTypes, type EventDataOf, type EventType } from './registry';

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

// allErrors so one DLQ entry lists every problem; verbose so messages can say
// what was expected and received. No coercion or defaults: a validated value
// is exactly what the producer sent, unknown fields included.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
addFormats(ajv, ['date-time', 'email', 'uri']);

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
