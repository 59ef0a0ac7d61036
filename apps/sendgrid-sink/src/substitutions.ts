// Legacy (non-template) substitutions: `personalizations[i].substitutions`
// maps literal placeholder strings to the text that replaces them in that
// personalization's e-mail, e.g. {"{{name}}": "Ann"}. SendGrid does not
// interpret the keys: @sendgrid/mail's helper wraps them in "{{" "}}" by
// default, but any string is a key.

/** SendGrid's limit on the UTF-8 size of all keys plus values of one personalization's substitutions. */
export const MAX_SUBSTITUTION_BYTES = 10_000;

/** UTF-8 bytes of every key plus every string value, as counted against MAX_SUBSTITUTION_BYTES. */
export function substitutionBytes(substitutions: Record<string, unknown>): number {
  return Object.entries(substitutions).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key, 'utf8') + (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0),
    0,
  );
}

/**
 * Returns a function that replaces every occurrence of every key in a text
 * with its value, in ONE pass over the original text: a value that happens
 * to contain another key (or itself) is inserted as-is, never scanned again.
 * Where keys overlap at one position the longest key wins. Empty keys are
 * ignored (they would match between every two characters).
 */
export function substituter(substitutions: Record<string, string>): (text: string) => string {
  const values = new Map(Object.entries(substitutions).filter(([key]) => key.length > 0));
  if (values.size === 0) return (text) => text;
  const keys = [...values.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(keys.map(escapeRegExp).join('|'), 'g');
  // A replacer function, not a replacement string, so "$&" or "$1" in a value stays literal.
  return (text) => text.replace(pattern, (key) => values.get(key) ?? key);
}

function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
