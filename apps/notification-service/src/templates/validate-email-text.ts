import { parseEmailText } from './email-text-syntax';
import { LICENSE_TAGS } from './substitution-tags';

export const MAX_TEXT_LENGTH = 20_000;
export const MAX_SUBJECT_LENGTH = 200;

export interface EmailTextInput {
  subject?: string | null;
  text: string;
}

/** One reason a text cannot be saved; `field` and the position say where to look. */
export interface EmailTextError {
  field: 'text' | 'subject';
  line: number | null;
  column: number | null;
  message: string;
}

/** Line endings are normalised before validation and storage so positions match what was sent. */
export function normaliseNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** Everything wrong with a merchant's text at once, so one round trip fixes it. */
export function validateEmailText(input: EmailTextInput): EmailTextError[] {
  const errors: EmailTextError[] = [];
  const text = normaliseNewlines(input.text);
  if (text.length > MAX_TEXT_LENGTH) errors.push(whole('text', `is ${text.length} characters long; the limit is ${MAX_TEXT_LENGTH}`));
  const parsed = parseEmailText(text);
  errors.push(...parsed.problems.map((p) => ({ field: 'text' as const, ...p })));
  if (!parsed.segments.some((s) => s.kind === 'tag' && s.name === 'KEY')) {
    errors.push(whole('text', 'must contain {KEY} where the licenses go'));
  }
  if (input.subject !== undefined && input.subject !== null) errors.push(...validateSubject(input.subject));
  return errors;
}

function validateSubject(subject: string): EmailTextError[] {
  const errors: EmailTextError[] = [];
  if (subject.trim() === '') errors.push(whole('subject', 'is empty; leave it out to use the default subject'));
  if (subject.length > MAX_SUBJECT_LENGTH) errors.push(whole('subject', `is ${subject.length} characters long; the limit is ${MAX_SUBJECT_LENGTH}`));
  if (/[\r\n]/.test(subject)) errors.push(whole('subject', 'must be a single line'));
  const parsed = parseEmailText(subject);
  errors.push(...parsed.problems.map((p) => ({ field: 'subject' as const, ...p })));
  for (const segment of parsed.segments) {
    if (segment.kind === 'tag' && LICENSE_TAGS.includes(segment.name)) {
      errors.push({
        field: 'subject',
        line: segment.line,
        column: segment.column,
        message: `{${segment.name}} is not allowed in the subject: subjects show in inbox lists and notifications, licenses belong in the text`,
      });
    }
  }
  return errors;
}

function whole(field: EmailTextError['field'], message: string): EmailTextError {
  return { field, line: null, column: null, message };
}

/** "text 3:7: unknown tag {KEYS}; did you mean {KEY}?" — one line per problem. */
export function describeEmailTextErrors(errors: EmailTextError[]): string {
  return errors.map((e) => `${e.field}${e.line !== null ? ` ${e.line}:${e.column}` : ''}: ${e.message}`).join('; ');
}
