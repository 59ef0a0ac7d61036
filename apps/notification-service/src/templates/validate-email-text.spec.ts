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
    expect(validateEmailText({ text: '{KEY} KEY}' })).toEqual([
      { field: 'text', line: 1, column: 10, message: expect.stringContaining('closing brace') },
    ]);
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
