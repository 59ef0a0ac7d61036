export const MAX_LICENSE_CHARACTERS = 2048;

export type LineVerdict = { kind: 'blank' } | { kind: 'rejected'; reason: string } | { kind: 'license'; value: string };

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LOOKS_LIKE_LINK = /^(?:[a-z][a-z0-9+.-]*:\/\/|https?:|www\.)/i;

/**
 * Decides what one uploaded line is: blank, a license (trimmed), or rejected with a reason the
 * merchant can act on. A license that looks like a link must be a valid https:// URL.
 */
export function judgeLicenseLine(text: string): LineVerdict {
  const value = text.trim();
  if (value === '') return { kind: 'blank' };
  const control = CONTROL.exec(value);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { kind: 'rejected', reason: `contains a control character (U+${code}); remove it` };
  }
  if (value.length > MAX_LICENSE_CHARACTERS && [...value].length > MAX_LICENSE_CHARACTERS) {
    return { kind: 'rejected', reason: `longer than ${MAX_LICENSE_CHARACTERS.toLocaleString('en')} characters` };
  }
  if (LOOKS_LIKE_LINK.test(value)) {
    const problem = linkProblem(value);
    if (problem) return { kind: 'rejected', reason: problem };
  }
  return { kind: 'license', value };
}

function linkProblem(value: string): string | undefined {
  if (/^http:/i.test(value)) return 'links must use https://, not http://';
  if (!/^https:\/\//i.test(value)) return 'a link must start with https://';
  if (/\s/.test(value)) return 'not a valid https:// link: it contains spaces';
  try {
    const url = new URL(value);
    if (!url.hostname) return 'not a valid https:// link: it names no host';
  } catch {
    return 'not a valid https:// link';
  }
  return undefined;
}
