import { judgeLicenseLine } from './license-line';

describe('judgeLicenseLine', () => {
  it('trims surrounding whitespace and keeps the license', () => {
    expect(judgeLicenseLine('  AAAA-BBBB \t')).toEqual({ kind: 'license', value: 'AAAA-BBBB' });
  });

  it('calls a whitespace-only line blank', () => {
    expect(judgeLicenseLine(' \t ')).toEqual({ kind: 'blank' });
  });

  it('rejects control characters, naming the character', () => {
    expect(judgeLicenseLine('AB\u0007CD')).toEqual({ kind: 'rejected', reason: 'contains a control character (U+0007); remove it' });
  });

  it('rejects a license over 2,048 characters and accepts one of exactly 2,048', () => {
    expect(judgeLicenseLine('k'.repeat(2049))).toMatchObject({ kind: 'rejected', reason: 'longer than 2,048 characters' });
    expect(judgeLicenseLine('k'.repeat(2048)).kind).toBe('license');
  });

  it('accepts https links and rejects http or malformed ones', () => {
    expect(judgeLicenseLine('https://files.example.com/lic/1.zip').kind).toBe('license');
    expect(judgeLicenseLine('http://files.example.com/1.zip')).toMatchObject({ reason: 'links must use https://, not http://' });
    expect(judgeLicenseLine('https://')).toMatchObject({ kind: 'rejected' });
    expect(judgeLicenseLine('https://exa mple.com/x')).toMatchObject({ kind: 'rejected' });
    expect(judgeLicenseLine('ftp://example.com/x')).toMatchObject({ reason: 'a link must start with https://' });
  });

  it('does not take a key with a colon for a link', () => {
    expect(judgeLicenseLine('KEY:ABCD-1234').kind).toBe('license');
  });
});

describe('judgeLicenseLine and invisible characters', () => {
  it.each([
    ['AAAA\u200bBBBB', 'U+200B ZERO WIDTH SPACE'],
    ['AAAA\u00adBBBB', 'U+00AD SOFT HYPHEN'],
    ['AAAA-\u202eBBBB', 'U+202E RIGHT-TO-LEFT OVERRIDE'],
    ['AAAA\ufeffBBBB', 'U+FEFF BYTE ORDER MARK'],
    ['AAAA\u2061BBBB', 'U+2061'],
    ['AAAA-BBBB\u200d', 'U+200D ZERO WIDTH JOINER'],
  ])('refuses %j, naming the character', (line, character) => {
    expect(judgeLicenseLine(line)).toEqual({ kind: 'rejected', reason: `contains an invisible character (${character}); remove it` });
  });

  it('keeps the value exactly as sent, compatibility forms included (only its hash is normalised)', () => {
    expect(judgeLicenseLine('\uff21\uff22\uff23-123')).toEqual({ kind: 'license', value: '\uff21\uff22\uff23-123' });
  });
});
