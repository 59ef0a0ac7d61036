import { maskLicense } from './mask';

describe('maskLicense', () => {
  it('shows only the first and last four characters of a long license', () => {
    expect(maskLicense('AAAA-BBBB-CCCC')).toBe('AAAA…CCCC');
  });

  it('hides a short license entirely', () => {
    expect(maskLicense('SHORTKEY')).toBe('••••');
  });
});
