import { FORMAT_REASON, KeyFormat, checkKeyFormat, tryKeyFormat } from './key-format';
import type { UploadedLine } from './line-reader';

function compiled(pattern: string): KeyFormat {
  const format = KeyFormat.compile(pattern);
  if (!(format instanceof KeyFormat)) throw new Error(format.problem);
  return format;
}

// eslint-disable-next-line @typescript-eslint/require-await -- the reader under test takes an async iterable; these lines are at hand
async function* linesOf(texts: string[]): AsyncGenerator<UploadedLine> {
  for (const [index, text] of texts.entries()) yield { number: index + 1, text };
}

describe('key format', () => {
  it('matches the whole trimmed value, not a part of it', () => {
    const format = compiled('[A-Z]{5}(-[0-9]{5}){2}');
    expect(format.matches('ABCDE-12345-67890')).toBe(true);
    expect(format.matches('xABCDE-12345-67890')).toBe(false);
    expect(format.matches('ABCDE-12345-678901')).toBe(false);
    expect(compiled('abc|def').matches('abcdef')).toBe(false);
  });

  it('refuses an empty, too long, malformed or non-RE2 pattern, saying why', () => {
    expect(KeyFormat.compile('')).toEqual({ problem: expect.stringContaining('must not be empty') });
    expect(KeyFormat.compile('a'.repeat(201))).toEqual({ problem: expect.stringContaining('at most 200') });
    expect(KeyFormat.compile('a'.repeat(200))).toBeInstanceOf(KeyFormat);
    expect(KeyFormat.compile('([A-Z]')).toEqual({ problem: expect.stringContaining('missing closing )') });
    expect(KeyFormat.compile('(?=A)B')).toEqual({ problem: expect.stringContaining('no backreferences or lookaround') });
  });

  it('answers a catastrophic pattern against a long line (a backtracking engine would not finish)', () => {
    const format = compiled('(a+)+$');
    expect(format.matches(`${'a'.repeat(2000)}!`)).toBe(false);
    expect(format.matches('a'.repeat(2000))).toBe(true);
  });

  it('turns non-matching licenses into format problems and leaves blank and bad lines to the import', async () => {
    const out: UploadedLine[] = [];
    for await (const line of checkKeyFormat(linesOf(['K-1', 'header', '', ' K-2 ', 'K-\u0007']), compiled('K-[0-9]'))) out.push(line);
    expect(out).toEqual([
      { number: 1, text: 'K-1' },
      { number: 2, problem: FORMAT_REASON },
      { number: 3, text: '' },
      { number: 4, text: ' K-2 ' },
      { number: 5, text: 'K-\u0007' },
    ]);
  });

  it('tries a format: counts and line numbers, no values', async () => {
    const trial = await tryKeyFormat(linesOf(['K-1', 'header', '', 'K-22', 'K-3']), compiled('K-[0-9]'));
    expect(trial).toEqual({ pattern: 'K-[0-9]', matching: 2, notMatching: { count: 2, lines: [2, 4] }, blank: 1, rejected: 0 });
    expect(JSON.stringify(trial)).not.toContain('header');
  });
});
