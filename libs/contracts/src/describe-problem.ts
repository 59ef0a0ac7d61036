import type { ErrorObject } from 'ajv';

type SchemaNode = Record<string, unknown>;

const formatDescriptions: Record<string, string> = {
  email: 'an e-mail address, e.g. ann@example.com',
  'date-time': 'an RFC 3339 date-time with a time zone, e.g. 2026-11-29T12:00:00Z',
  uri: 'an absolute URI, e.g. https://example.com/guide',
};

/** What is wrong with the value, in words; ajv must run with `verbose` so the schema and value are at hand. */
export function problemOf(error: ErrorObject): string {
  const { params } = error;
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'type':
      return `must be ${expectedKind(schema)}${got(error.data)}`;
    // Only the bound that was broken, so the message states the limit itself.
    case 'minimum':
      return `must be ${expectedKind({ type: schema.type })} >= ${String(params.limit)}${got(error.data)}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}${got(error.data)}`;
    case 'minItems':
      return `must contain at least ${countOf(params.limit, 'item')}`;
    case 'maxItems':
      return `must contain at most ${countOf(params.limit, 'item')}, got ${lengthOf(error.data)}`;
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : `must be at least ${countOf(params.limit, 'character')}`;
    case 'maxLength':
      return `must be at most ${countOf(params.limit, 'character')}, got ${lengthOf(error.data)}`;
    case 'format':
      return `must be ${formatDescriptions[String(params.format)] ?? `a valid ${String(params.format)}`}`;
    case 'pattern':
      return `must be ${typeof schema.description === 'string' ? schema.description : 'text'} (pattern ${String(params.pattern)})`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(quote).join(', ')}${gotToken(error.data)}`;
    case 'const':
      return `must be ${quote(params.allowedValue)}${gotToken(error.data)}`;
    case 'additionalProperties': {
      // The name is the sender's; only a plain short one is echoed (no customer text in a reason).
      const name: unknown = params.additionalProperty;
      return typeof name === 'string' && /^[\w.-]{1,40}$/.test(name)
        ? `has no field ${quote(name)} (unknown fields are refused)`
        : 'has a field it does not define (unknown fields are refused)';
    }
    default:
      return error.message ?? 'is invalid';
  }
}

function expectedKind(schema: SchemaNode): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as SchemaNode[]).map(expectedKind).join(' or ');
  const bounds = boundsOf(schema.minimum, schema.maximum);
  switch (schema.type) {
    case 'integer':
      return `an integer${bounds}`;
    case 'number':
      return `a number${bounds}`;
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'null':
      return 'null';
    default:
      return `of type ${String(schema.type)}`;
  }
}

function boundsOf(min: unknown, max: unknown): string {
  const hasMin = typeof min === 'number';
  const hasMax = typeof max === 'number';
  if (hasMin && hasMax) return ` from ${min} to ${max}`;
  if (hasMin) return ` >= ${min}`;
  return hasMax ? ` <= ${max}` : '';
}

// Strings are never echoed: they may be e-mail addresses or license keys, and
// these messages end up in logs and DLQ headers.
function got(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return ', got null';
  if (Array.isArray(value)) return ', got an array';
  if (typeof value === 'object') return ', got an object';
  if (typeof value === 'string') return ', got a string';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `, got ${String(value)}`;
  return `, got a ${typeof value}`;
}

// Enum and const fields hold short tokens, so showing a wrong one is safe and helpful.
function gotToken(value: unknown): string {
  return typeof value === 'string' && /^[\w.-]{0,40}$/.test(value) ? `, got ${quote(value)}` : got(value);
}

const quote = (value: unknown) => JSON.stringify(value);
const countOf = (n: unknown, noun: string) => `${String(n)} ${noun}${n === 1 ? '' : 's'}`;
const lengthOf = (value: unknown) => (typeof value === 'string' || Array.isArray(value) ? value.length : '?');
