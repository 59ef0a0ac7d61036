import { parseEmailText } from './email-text-syntax';
import { describeEmailTextErrors, validateEmailText } from './validate-email-text';

describe('merchant e-mail text validation', () => {
  it('accepts a text with {KEY} and known tags', () => {
    expect(validateEmailText({ text: 'Hi {FNAME},\nyour key: {KEY}\n' })).toEqual([]);
    expect(validateEmailText({ subject: 'Order {ORDER_ID}', text: '{KEY}' })).toEqual([]);
  });

  it('refuses a text without {KEY}', () => {
    expect(validateEmailText({ text: 'Thanks for buying {PROGRAM_NAME}' })).toEqual([
      { field: 'text', line: null, column: null, message: 'must contain {KEY} where the licenses go' },
    ]);
  });

  it('names an unknown tag with its line and column, suggesting the right spelling', () => {
    const errors = validateEmailText({ text: 'Hello {FNAME},\nyour keys:  {KEYS} and {key}\n{KEY}' });
    expect(errors).toEqual([
      { field: 'text', line: 2, column: 13, message: expect.stringMatching(/^unknown tag \{KEYS\}; known tags: \{KEY\}, /) },
      { field: 'text', line: 2, column: 24, message: 'unknown tag {key}; did you mean {KEY}?' },
    ]);
    expect(describeEmailTextErrors(errors)).toContain('text 2:24: unknown tag {key}; did you mean {KEY}?');
  });

  it('refuses an unclosed brace, naming its position', () => {
    expect(validateEmailText({ text: '{KEY}\nsee {URL\nbye' })).toEqual([
      { field: 'text', line: 2, column: 5, message: expect.stringContaining('unclosed brace') },
    ]);
    expect(validateEmailText({ text: '{KEY} {{KEY}}' }).map((e) => `${e.line}:${e.column}`)).toEqual(['1:7', '1:13']);
  });

  it('refuses a stray closing brace', () => {
    expect(validateEmailText({ text: '{KEY} KEY}' })).toEqual([{ field: 'text', line: 1, column: 10, message: expect.stringContaining('closing brace') }]);
  });

  it('keeps licenses out of the subject and subjects on one line', () => {
    const errors = validateEmailText({ subject: 'Your key {KEY}\nx', text: '{KEY}' });
    expect(errors.map((e) => e.field)).toEqual(['subject', 'subject']);
    expect(errors[1]).toMatchObject({ line: 1, column: 10, message: expect.stringContaining('{KEY} is not allowed in the subject') });
  });

  it('counts positions the same for Windows line endings', () => {
    expect(validateEmailText({ text: '{KEY}\r\n{NOPE}' })).toEqual([
      { field: 'text', line: 2, column: 1, message: expect.stringContaining('unknown tag {NOPE}') },
    ]);
  });
});

describe('merchant e-mail text limits', () => {
  const keyTimes = (n: number) => Array.from({ length: n }, () => '{KEY}').join('\n');

  it('takes {KEY} up to three times and refuses a fourth, saying why', () => {
    expect(validateEmailText({ text: keyTimes(3) })).toEqual([]);
    expect(validateEmailText({ text: keyTimes(4) })).toEqual([
      { field: 'text', line: null, column: null, message: 'uses {KEY} 4 times; the limit is 3, because each use repeats every license of the line' },
    ]);
    expect(validateEmailText({ text: `{KEY} ${'{PARENT_KEY}'.repeat(4)}` })[0].message).toContain('uses {PARENT_KEY} 4 times');
  });

  it('refuses {KEY} 4,000 times with one message, without parsing the text', () => {
    expect(validateEmailText({ text: '{KEY}'.repeat(4000) })).toEqual([
      expect.objectContaining({ message: 'has 4000 tags (counting every "{"); the limit is 100' }),
      expect.objectContaining({ message: expect.stringContaining('uses {KEY} 4000 times') }),
    ]);
  });

  it('takes 100 tags and refuses 101, counting every "{"', () => {
    expect(validateEmailText({ text: `{KEY}${'{FNAME}'.repeat(99)}` })).toEqual([]);
    expect(validateEmailText({ text: `{KEY}${'{FNAME}'.repeat(99)}{` })).toEqual([
      { field: 'text', line: null, column: null, message: 'has 101 tags (counting every "{"); the limit is 100' },
    ]);
  });

  it('refuses a text over 20,000 characters for its size alone', () => {
    expect(validateEmailText({ text: `{KEY}${'x'.repeat(19_995)}` })).toEqual([]);
    expect(validateEmailText({ text: `{KEY}${'}\n'.repeat(50_000)}` })).toEqual([
      { field: 'text', line: null, column: null, message: 'is 100005 characters long; the limit is 20000' },
    ]);
  });

  it('reports the first 20 problems of a hostile text and counts the rest, in a short answer', () => {
    const hostile = `{KEY}${'}\n'.repeat(9_995)}`;
    const errors = validateEmailText({ text: hostile });
    expect(errors).toHaveLength(21);
    expect(errors[19]).toMatchObject({ line: 20, column: 1, message: expect.stringContaining('closing brace') });
    expect(errors[20]).toEqual({ field: 'text', line: null, column: null, message: '…and 9975 more problems; fix these first' });
    expect(describeEmailTextErrors(errors).length).toBeLessThan(3_000);
  });

  it('places problems by line and column at the end of a long text too', () => {
    const { problems } = parseEmailText(`${'}\n'.repeat(50_000)}{NOPE}`);
    expect(problems).toHaveLength(50_001);
    expect(problems[49_999]).toMatchObject({ line: 50_000, column: 1 });
    expect(problems[50_000]).toMatchObject({ line: 50_001, column: 1, message: expect.stringContaining('unknown tag {NOPE}') });
  });

  it('caps a subject at 200 characters before parsing it', () => {
    expect(validateEmailText({ subject: '{'.repeat(201), text: '{KEY}' })).toEqual([
      { field: 'subject', line: null, column: null, message: 'is 201 characters long; the limit is 200' },
    ]);
  });
});
