import { SubstitutionTag, TAG_NAMES, isSubstitutionTag } from './substitution-tags';

/** A piece of a merchant's text: words as written, or a tag to fill from the order. */
export type Segment = { kind: 'literal'; text: string } | { kind: 'tag'; name: SubstitutionTag; line: number; column: number };

/** Something wrong in a text, where a person can find it (1-based line and column). */
export interface TextProblem {
  line: number;
  column: number;
  message: string;
}

export interface ParsedText {
  segments: Segment[];
  /** The first problems, as many as the caller asked to keep. */
  problems: TextProblem[];
  /** All problems, kept or not. */
  problemCount: number;
}

/**
 * Braces are reserved for tags: every "{" must open a known tag closed on the same line,
 * and a "}" may only close one. Keeping the syntax this strict means a text is words and
 * tags and nothing else, and a brace in a merchant's words is always a mistake we can point at.
 * One pass over the text: each character is looked at a bounded number of times.
 */
export function parseEmailText(text: string, keepProblems = Number.POSITIVE_INFINITY): ParsedText {
  const segments: Segment[] = [];
  const problems: TextProblem[] = [];
  let problemCount = 0;
  const problem = (index: number, message: () => string) => {
    if (++problemCount <= keepProblems) problems.push({ ...at(index), message: message() });
  };
  const at = positionFinder(text);
  let literalStart = 0;
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === '}') {
      problem(i, () => 'a closing brace "}" without an opening "{"; braces are only for tags such as {KEY}');
      i++;
      continue;
    }
    if (char !== '{') {
      i++;
      continue;
    }
    const end = findTagEnd(text, i + 1);
    if (end < 0) {
      problem(i, () => 'unclosed brace "{": close the tag with "}" on the same line (tags look like {KEY})');
      i++;
      continue;
    }
    const name = text.slice(i + 1, end);
    if (isSubstitutionTag(name)) {
      if (i > literalStart) segments.push({ kind: 'literal', text: text.slice(literalStart, i) });
      segments.push({ kind: 'tag', name, ...at(i) });
    } else {
      problem(i, () => unknownTagMessage(name));
    }
    i = end + 1;
    literalStart = i;
  }
  if (literalStart < text.length) segments.push({ kind: 'literal', text: text.slice(literalStart) });
  return { segments, problems, problemCount };
}

function findTagEnd(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    const char = text[j];
    if (char === '}') return j;
    if (char === '{' || char === '\n') return -1;
  }
  return -1;
}

function unknownTagMessage(name: string): string {
  const shown = name.length > 40 ? `${name.slice(0, 40)}…` : name;
  const guess = name.trim().toUpperCase();
  const hint = isSubstitutionTag(guess) ? `did you mean {${guess}}?` : `known tags: ${TAG_NAMES.map((t) => `{${t}}`).join(', ')}`;
  return `unknown tag {${shown}}; ${hint}`;
}

// A binary search per position: a text of many lines and many problems stays fast
// (walking back from the last line made a 100 kB text of "}\n" take seconds).
function positionFinder(text: string): (index: number) => { line: number; column: number } {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (index) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle] <= index) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: index - lineStarts[low] + 1 };
  };
}
