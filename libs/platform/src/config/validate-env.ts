import Ajv, { ErrorObject } from 'ajv';
import { TObject, Static } from '@sinclair/typebox';

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });

function describe(error: ErrorObject): string {
  const name = error.instancePath.replace(/^\//, '') || String(error.params['missingProperty'] ?? '');
  switch (error.keyword) {
    case 'required':
      return `${error.params['missingProperty']} is required but not set`;
    case 'pattern':
      return `${name} is malformed (expected to match ${error.params['pattern']})`;
    case 'type':
      return `${name} must be ${error.params['type'] === 'integer' ? 'a whole number' : error.params['type'] === 'boolean' ? 'true or false' : `a ${error.params['type']}`}`;
    case 'minimum':
    case 'maximum':
      return `${name} must be ${error.keyword === 'minimum' ? '>=' : '<='} ${error.params['limit']}`;
    case 'enum':
      return `${name} must be one of ${(error.params['allowedValues'] as string[]).join(', ')}`;
    default:
      return `${name} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Validates process.env against a service's schema. Empty strings count as unset,
 * so `FOO=` in a .env file gets the default instead of a confusing type error.
 */
export function validateEnv<S extends TObject>(schema: S, env: Record<string, string | undefined>): Static<S> {
  const candidate: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') candidate[key] = value;
  }
  const validate = ajv.compile(schema);
  if (!validate(candidate)) {
    throw new ConfigurationError([...new Set((validate.errors ?? []).map(describe))]);
  }
  return candidate;
}
