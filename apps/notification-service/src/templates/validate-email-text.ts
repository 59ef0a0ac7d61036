import { parseEmailText } from './email-text-syntax';
import { LICENSE_TAGS } from './substitution-tags';

export const MAX_TEXT_LENGTH = 20_000;
export const MAX_SUBJECT_LENGTH = 200;
/** Tags in one text, counting every "{": far more than any real text uses, and it bounds the work of checking one. */
export const MAX_TAGS = 100;
/**
 * Uses of {KEY} (and of {PARENT_KEY}) in one text. Each use repeats every license of the line,
 * up to 10,000 of them, so the uses multiply the size of the e-mail. Three leave room for a
 * text that shows the keys at the top and again in a copy-paste block; nobody needs more.
 */
export const MAX_LICENSE_TAG_USES = 3;
/** Problems reported for one text: enough to fix it, small enough to read (and to send back). */
export const MAX_REPORTED_PROBLEMS = 20;

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

/** Everything wrong with a merchant's text at once (up to MAX_REPORTED_PROBLEMS), so one round trip fixes it. */
export function validateEmailText(input: EmailTextInput): EmailTextError[] {
  const body = validateBody(input.text);
  const subject = input.subject !== undefined && input.subject !== null ? validateSubject(input.subject) : { errors: [], unkept: 0 };
  return capped([...body.errors, ...subject.errors], body.unkept + subject.unkept);
}

/** Problems found, and how many more the parser counted without describing them. */
interface Findings {
  errors: EmailTextError[];
  unkept: number;
}

function validateBody(raw: string): Findings {
  const text = normaliseNewlines(raw);
  const tooLarge = [...sizeProblems('text', text, MAX_TEXT_LENGTH), ...licenseTagProblems(text)];
  if (tooLarge.length > 0) return { errors: tooLarge, unkept: 0 };
  const parsed = parseEmailText(text, MAX_REPORTED_PROBLEMS);
  const errors: EmailTextError[] = parsed.problems.map((p) => ({ field: 'text' as const, ...p }));
  if (!parsed.segments.some((s) => s.kind === 'tag' && s.name === 'KEY')) {
    errors.push(whole('text', 'must contain {KEY} where the licenses go'));
  }
  return { errors, unkept: parsed.problemCount - parsed.problems.length };
}

function validateSubject(subject: string): Findings {
  const tooLarge = sizeProblems('subject', subject, MAX_SUBJECT_LENGTH);
  if (tooLarge.length > 0) return { errors: tooLarge, unkept: 0 };
  const errors: EmailTextError[] = [];
  if (subject.trim() === '') errors.push(whole('subject', 'is empty; leave it out to use the default subject'));
  if (/[\r\n]/.test(subject)) errors.push(whole('subject', 'must be a single line'));
  const parsed = parseEmailText(subject, MAX_REPORTED_PROBLEMS);
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
  return { errors, unkept: parsed.problemCount - parsed.problems.length };
}

// Checked before a text is parsed: a text over these limits is refused for that reason alone,
// so parsing (and the list of problems) never grows past what they allow.
function sizeProblems(field: EmailTextError['field'], text: string, maxLength: number): EmailTextError[] {
  if (text.length > maxLength) return [whole(field, `is ${text.length} characters long; the limit is ${maxLength}`)];
  const braces = occurrences(text, '{');
  return braces > MAX_TAGS ? [whole(field, `has ${braces} tags (counting every "{"); the limit is ${MAX_TAGS}`)] : [];
}

function licenseTagProblems(text: string): EmailTextError[] {
  return LICENSE_TAGS.flatMap((tag) => {
    const uses = occurrences(text, `{${tag}}`);
    return uses > MAX_LICENSE_TAG_USES
      ? [whole('text', `uses {${tag}} ${uses} times; the limit is ${MAX_LICENSE_TAG_USES}, because each use repeats every license of the line`)]
      : [];
  });
}

function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

function capped(errors: EmailTextError[], unkept: number): EmailTextError[] {
  const more = Math.max(errors.length - MAX_REPORTED_PROBLEMS, 0) + unkept;
  if (more === 0) return errors;
  const field = errors[MAX_REPORTED_PROBLEMS]?.field ?? errors[errors.length - 1].field;
  return [...errors.slice(0, MAX_REPORTED_PROBLEMS), whole(field, `…and ${more} more problem${more === 1 ? '' : 's'}; fix these first`)];
}

function whole(field: EmailTextError['field'], message: string): EmailTextError {
  return { field, line: null, column: null, message };
}

/** "text 3:7: unknown tag {KEYS}; did you mean {KEY}?" — one line per problem. */
export function describeEmailTextErrors(errors: EmailTextError[]): string {
  return errors.map((e) => `${e.field}${e.line !== null ? ` ${e.line}:${e.column}` : ''}: ${e.message}`).join('; ');
}
