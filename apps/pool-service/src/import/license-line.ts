export const MAX_LICENSE_CHARACTERS = 2048;

export type LineVerdict = { kind: 'blank' } | { kind: 'rejected'; reason: string } | { kind: 'license'; value: string };

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Unicode format characters (Cf): invisible, so two keys that look the same could differ by one.
const INVISIBLE = /\p{Cf}/u;
const INVISIBLE_NAMES: Record<number, string> = {
  0x00ad: 'SOFT HYPHEN',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'BYTE ORDER MARK',
};
const LOOKS_LIKE_LINK = /^(?:[a-z][a-z0-9+.-]*:\/\/|https?:|www\.)/i;

/**
 * Decides what one uploaded line is: blank, a license (trimmed), or rejected with a reason the
 * merchant can act on. A license that looks like a link must be a valid https:// URL. Invisible
 * characters are refused rather than dropped: the value we store is exactly the one sent, and a
 * key with a hidden character in it is not the key its vendor issued. (A BOM at either end of a
 * line is trimmed as whitespace, as String.prototype.trim does; inside a key it is refused.)
 */
export function judgeLicenseLine(text: string): LineVerdict {
  const value = text.trim();
  if (value === '') return { kind: 'blank' };
  const control = CONTROL.exec(value);
  if (control) {
    const code = control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return { kind: 'rejected', reason: `contains a control character (U+${code}); remove it` };
  }
  const invisible = INVISIBLE.exec(value);
  if (invisible) return { kind: 'rejected', reason: `contains an invisible character (${describeInvisible(invisible[0])}); remove it` };
  if (value.length > MAX_LICENSE_CHARACTERS && [...value].length > MAX_LICENSE_CHARACTERS) {
    return { kind: 'rejected', reason: `longer than ${MAX_LICENSE_CHARACTERS.toLocaleString('en')} characters` };
  }
  if (LOOKS_LIKE_LINK.test(value)) {
    const problem = linkProblem(value);
    if (problem) return { kind: 'rejected', reason: problem };
  }
  return { kind: 'license', value };
}

function describeInvisible(character: string): string {
  const point = character.codePointAt(0)!;
  const code = `U+${point.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = INVISIBLE_NAMES[point];
  return name ? `${code} ${name}` : code;
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
