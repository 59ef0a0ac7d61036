import { MAX_SUBSTITUTION_BYTES, substitutionBytes, substituter } from './substitutions';

describe('substituter', () => {
  it('replaces every occurrence of every key', () => {
    expect(substituter({ '{{a}}': '1', '{{b}}': '2' })('{{a}}{{b}} {{a}}')).toBe('12 1');
  });

  it('never scans an inserted value again, whatever order the keys come in', () => {
    const text = 'A B';
    expect(substituter({ A: 'B', B: 'A' })(text)).toBe('B A');
    expect(substituter({ B: 'A', A: 'B' })(text)).toBe('B A');
    expect(substituter({ A: 'AA' })('A')).toBe('AA');
  });

  it('prefers the longest key where keys overlap', () => {
    expect(substituter({ '{{x}}': 'short', '{{x}}!': 'long' })('{{x}}! {{x}}')).toBe('long short');
  });

  it('ignores empty keys and leaves text without keys unchanged', () => {
    expect(substituter({ '': 'boom' })('abc')).toBe('abc');
    expect(substituter({})('abc')).toBe('abc');
  });

  it('handles keys that are not identifiers, such as __proto__ or regex syntax', () => {
    const substitutions = JSON.parse('{"__proto__":"P","[a-z]+":"R","\\\\d":"D"}') as Record<string, string>;
    expect(substituter(substitutions)('__proto__ [a-z]+ \\d abc 1')).toBe('P R D abc 1');
  });
});

describe('substitutionBytes', () => {
  it('counts UTF-8 bytes of keys and values', () => {
    expect(MAX_SUBSTITUTION_BYTES).toBe(10_000);
    expect(substitutionBytes({ '{{k}}': 'é€😀' })).toBe(5 + 2 + 3 + 4);
  });
});
