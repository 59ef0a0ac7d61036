// Rules for the `content` array (the e-mail bodies).
import { isJsonObject, isNonEmptyString } from './json-guards';
import { fieldError, type SendGridError } from './sendgrid-errors';

export function validateContent(content: unknown, usesTemplate: boolean): SendGridError[] {
  // With a template_id the template supplies the body, so content is optional.
  if (content === undefined && usesTemplate) return [];
  if (!Array.isArray(content) || content.length === 0) {
    const message =
      'Unless a valid template_id is provided, the content parameter is required. There must be at least one ' +
      'defined content block. We typically suggest both text/plain and text/html blocks are included, but only ' +
      'one block is required.';
    return [fieldError('content', message, 'content')];
  }
  const errors = content.flatMap((block: unknown, index) => validateBlock(block, `content.${index}`));
  // SendGrid builds the MIME multipart/alternative in the given order and
  // requires the plain-text part to come first when it is present.
  const plainIndex = content.findIndex((block: unknown) => isJsonObject(block) && block.type === 'text/plain');
  if (plainIndex > 0) {
    errors.push(fieldError('content', 'If present, text/plain content must be first, followed by text/html, followed by any other content.', 'content'));
  }
  return errors;
}

function validateBlock(block: unknown, path: string): SendGridError[] {
  const item = isJsonObject(block) ? block : {};
  const errors: SendGridError[] = [];
  if (!isNonEmptyString(item.type) || /[;\r\n]/.test(item.type)) {
    errors.push(fieldError(`${path}.type`, "The content type is required and cannot contain ';' or CRLF characters.", 'content.type'));
  }
  if (!isNonEmptyString(item.value)) {
    errors.push(fieldError(`${path}.value`, 'The content value must be a string at least one character in length.', 'content.value'));
  }
  return errors;
}
