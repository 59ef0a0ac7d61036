// Validates a POST /v3/mail/send body the way SendGrid does, so a request the
// sink accepts would also be accepted by the real service. Returns every
// problem found (SendGrid also reports several errors at once); [] means valid.
import { validateContent } from './content-validation';
import { isJsonObject, isNonEmptyString, isValidEmail, type JsonObject } from './json-guards';
import { validatePersonalizations } from './personalization-validation';
import { fieldError, type SendGridError } from './sendgrid-errors';
import { validateStringMap } from './string-map-validation';

const MAX_CATEGORIES = 10;
const MAX_CATEGORY_LENGTH = 255;

export function validateMailSend(body: unknown): SendGridError[] {
  if (!isJsonObject(body)) {
    return [fieldError('(root)', 'The request body must be a JSON object.', 'root')];
  }
  const usesTemplate = isNonEmptyString(body.template_id);
  return [
    ...validatePersonalizations(body.personalizations),
    ...validateFrom(body.from),
    ...validateReplyTo(body.reply_to),
    ...(usesTemplate ? [] : validateSubject(body)),
    ...validateContent(body.content, usesTemplate),
    ...validateCategories(body.categories),
    ...validateStringMap(body.custom_args, 'custom_args', 'custom_args'),
    ...validateStringMap(body.headers, 'headers', 'headers'),
    ...validateAttachments(body.attachments),
  ];
}

function validateFrom(from: unknown): SendGridError[] {
  if (!isJsonObject(from) || from.email === undefined || from.email === '') {
    const message =
      'The from object must be provided for every email send. It is an object that requires the email parameter, ' +
      'but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or ' +
      '{"email" : "example@example.com", "name" : "Example Recipient"}.';
    return [fieldError('from.email', message, 'from')];
  }
  return isValidEmail(from.email) ? [] : [fieldError('from.email', 'The from email does not contain a valid address.', 'from')];
}

function validateReplyTo(replyTo: unknown): SendGridError[] {
  if (replyTo === undefined) return [];
  return isJsonObject(replyTo) && isValidEmail(replyTo.email)
    ? []
    : [fieldError('reply_to.email', 'The reply_to email does not contain a valid address.', 'reply_to')];
}

// A subject may live at the top level or in every single personalization.
function validateSubject(body: JsonObject): SendGridError[] {
  if (isNonEmptyString(body.subject)) return [];
  const personalizations = Array.isArray(body.personalizations) ? body.personalizations : [];
  const everyHasSubject = personalizations.length > 0 && personalizations.every((p: unknown) => isJsonObject(p) && isNonEmptyString(p.subject));
  if (everyHasSubject) return [];
  const message =
    'The subject is required. You can get around this requirement if you use a template with a subject defined ' +
    'or if every personalization has a subject defined.';
  return [fieldError('subject', message, 'subject')];
}

function validateCategories(categories: unknown): SendGridError[] {
  if (categories === undefined) return [];
  if (!Array.isArray(categories) || categories.length > MAX_CATEGORIES) {
    return [fieldError('categories', `The categories field must be an array of at most ${MAX_CATEGORIES} strings.`, 'categories')];
  }
  return categories.flatMap((category: unknown, index) =>
    isNonEmptyString(category) && category.length <= MAX_CATEGORY_LENGTH
      ? []
      : [fieldError(`categories.${index}`, `A category must be a string of 1 to ${MAX_CATEGORY_LENGTH} characters.`, 'categories')],
  );
}

function validateAttachments(attachments: unknown): SendGridError[] {
  if (attachments === undefined) return [];
  if (!Array.isArray(attachments)) {
    return [fieldError('attachments', 'The attachments field must be an array.', 'attachments')];
  }
  return attachments.flatMap((attachment: unknown, index) => {
    const item = isJsonObject(attachment) ? attachment : {};
    const errors: SendGridError[] = [];
    if (!isNonEmptyString(item.content)) {
      errors.push(fieldError(`attachments.${index}.content`, 'The attachment content is required (base64).', 'attachments.content'));
    }
    if (!isNonEmptyString(item.filename)) {
      errors.push(fieldError(`attachments.${index}.filename`, 'The attachment filename is required.', 'attachments.filename'));
    }
    return errors;
  });
}
