// custom_args and headers must map names to strings: real SendGrid answers a
// numeric value (e.g. {"order_id": 42}) with a bare "Bad Request", which is a
// classic production-only failure. The sink names the offending key instead.
import { isJsonObject } from './json-guards';
import { fieldError, type SendGridError } from './sendgrid-errors';

export function validateStringMap(value: unknown, path: string, helpAnchor: string): SendGridError[] {
  if (value === undefined) return [];
  if (!isJsonObject(value)) {
    return [fieldError(path, `The ${path} field must be an object of string values.`, helpAnchor)];
  }
  return Object.entries(value)
    .filter(([, entry]) => typeof entry !== 'string')
    .map(([key]) => fieldError(`${path}.${key}`, 'Values must be strings.', helpAnchor));
}
