import { maskLicense } from './license-mask';

describe('masking a license', () => {
  it('keeps the first and last four characters of a long license', () => {
    expect(maskLicense('AAAA-BBBB-CCCC')).toBe('AAAA…CCCC');
  });

  it('hides a short license entirely, since four plus four would reveal most of it', () => {
    expect(maskLicense('ABCD-1234')).toBe('••••');
  });
});
