// Rules for the `personalizations` array of a v3 mail/send request: who gets
// the e-mail. Messages mirror SendGrid's wording so failures look familiar.
import { isJsonObject, isValidEmail, type JsonObject } from './json-guards';
import { fieldError, type SendGridError } from './sendgrid-errors';
import { validateStringMap } from './string-map-validation';
import { MAX_SUBSTITUTION_BYTES, substitutionBytes } from './substitutions';

const MAX_RECIPIENTS = 1000; // SendGrid's limit across to, cc and bcc of one request
const RECIPIENT_KINDS = ['to', 'cc', 'bcc'] as const;

export function validatePersonalizations(value: unknown): SendGridError[] {
  if (!Array.isArray(value) || value.length === 0) {
    return [fieldError('personalizations', 'The personalizations field is required and must have at least one personalization.', 'personalizations')];
  }
  const errors = value.flatMap((item: unknown, index) => validatePersonalization(item, `personalizations.${index}`));
  const recipientCount = value.filter(isJsonObject).reduce((sum, p) => sum + countRecipients(p), 0);
  if (recipientCount > MAX_RECIPIENTS) {
    errors.push(fieldError('personalizations', `The total number of recipients must be ${MAX_RECIPIENTS} or fewer.`, 'personalizations'));
  }
  return errors;
}

function validatePersonalization(value: unknown, path: string): SendGridError[] {
  if (!isJsonObject(value)) {
    return [fieldError(path, 'Each personalization must be an object.', 'personalizations')];
  }
  const errors: SendGridError[] = [];
  if (!Array.isArray(value.to) || value.to.length === 0) {
    errors.push(
      fieldError(
        `${path}.to`,
        'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
        'personalizations.to',
      ),
    );
  }
  for (const kind of RECIPIENT_KINDS) {
    errors.push(...validateRecipientList(value[kind], `${path}.${kind}`, kind));
  }
  if (value.subject !== undefined && typeof value.subject !== 'string') {
    errors.push(fieldError(`${path}.subject`, 'The subject must be a string.', 'personalizations.subject'));
  }
  errors.push(...validateDuplicates(value, path));
  errors.push(...validateStringMap(value.custom_args, `${path}.custom_args`, 'personalizations.custom_args'));
  errors.push(...validateStringMap(value.headers, `${path}.headers`, 'personalizations.headers'));
  errors.push(...validateSubstitutions(value.substitutions, `${path}.substitutions`));
  return errors;
}

// Like custom_args, values must be strings; but the error names the
// substitutions object itself (keys such as "{{name}}" or "a.b" would make a
// confusing field path) and quotes the offending key in the message.
function validateSubstitutions(value: unknown, path: string): SendGridError[] {
  const help = 'personalizations.substitutions';
  if (value === undefined) return [];
  if (!isJsonObject(value)) {
    return [fieldError(path, `The ${path} field must be an object of string values.`, help)];
  }
  const typeErrors = Object.entries(value)
    .filter(([, entry]) => typeof entry !== 'string')
    .map(([key]) => fieldError(path, `Substitution values must be strings; the value of ${JSON.stringify(key)} is not.`, help));
  if (typeErrors.length > 0) return typeErrors;
  if (substitutionBytes(value) > MAX_SUBSTITUTION_BYTES) {
    const message = `The total size of your substitutions may not exceed ${MAX_SUBSTITUTION_BYTES} bytes per personalization object.`;
    return [fieldError(path, message, help)];
  }
  return [];
}

function validateRecipientList(list: unknown, path: string, kind: string): SendGridError[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    return [fieldError(path, `The ${kind} field must be an array of email objects.`, `personalizations.${kind}`)];
  }
  return list.flatMap((recipient: unknown, index) =>
    isJsonObject(recipient) && isValidEmail(recipient.email)
      ? []
      : [fieldError(`${path}.${index}.email`, 'Does not contain a valid address.', `personalizations.${kind}`)],
  );
}

// SendGrid rejects a personalization that names the same address twice across
// to/cc/bcc (case-insensitively) instead of silently de-duplicating it.
function validateDuplicates(personalization: JsonObject, path: string): SendGridError[] {
  const seen = new Set<string>();
  for (const kind of RECIPIENT_KINDS) {
    for (const email of recipientEmails(personalization[kind])) {
      const key = email.toLowerCase();
      if (seen.has(key)) {
        const message =
          'Each email address in the personalization block should be unique between to, cc, and bcc. ' +
          `We found the first duplicate instance of [${email}] in the ${path}.${kind} field.`;
        return [fieldError(`${path}.${kind}`, message, 'personalizations')];
      }
      seen.add(key);
    }
  }
  return [];
}

/** The valid addresses of a to/cc/bcc list; anything malformed is ignored. */
export function recipientEmails(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((r: unknown) => (isJsonObject(r) && isValidEmail(r.email) ? [r.email] : []));
}

function countRecipients(personalization: JsonObject): number {
  return RECIPIENT_KINDS.reduce((sum, kind) => {
    const list = personalization[kind];
    return sum + (Array.isArray(list) ? list.length : 0);
  }, 0);
}
