import { MONEY_FORMATS_LIMIT, PLATFORM_WORDING, cachedMoneyFormats, formatMoney } from './platform-wording';

// The formatters are cached by language and currency: each call must still format with its own pair.
describe('formatMoney', () => {
  it('formats each amount in its own language and currency when languages and currencies interleave', () => {
    const calls = [
      [formatMoney('39.98', 'EUR', 'de'), '39,98\u00a0€'],
      [formatMoney('39.98', 'USD', 'en'), '$39.98'],
      [formatMoney('39.98', 'EUR', 'en'), '€39.98'],
      [formatMoney('1234.5', 'USD', 'de'), '1.234,50\u00a0$'],
      [formatMoney('39.98', 'EUR', 'ru'), '39,98\u00a0€'],
      [formatMoney('39.98', 'USD', 'en'), '$39.98'],
      [formatMoney('39.98', 'EUR', 'de'), '39,98\u00a0€'],
      [formatMoney('100', 'JPY', 'en'), '¥100'],
    ];
    for (const [actual, expected] of calls) expect(actual).toBe(expected);
  });

  it('gives a currency Intl refuses as it came, every time', () => {
    expect(formatMoney('39.98', 'EURO', 'en')).toBe('39.98 EURO');
    expect(formatMoney('12.00', 'EURO', 'de')).toBe('12.00 EURO');
    expect(formatMoney('39.98', 'EURO', 'en')).toBe('39.98 EURO');
    expect(formatMoney('39.98', 'EUR', 'en')).toBe('€39.98');
  });

  it('keeps no more formatters than its limit, however many currencies events bring', () => {
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    for (let i = 0; i < MONEY_FORMATS_LIMIT * 3; i++) {
      const code = `Q${letters[Math.floor(i / 26) % 26]}${letters[i % 26]}`;
      expect(formatMoney('1', code, 'en')).toBe(`${code}\u00a01.00`);
      expect(cachedMoneyFormats()).toBeLessThanOrEqual(MONEY_FORMATS_LIMIT);
    }
    expect(formatMoney('39.98', 'EUR', 'de')).toBe('39,98\u00a0€');
  });
});

describe('the long payment date', () => {
  it('is written in each language by its own formatter', () => {
    const paidAt = new Date('2026-11-29T23:30:00Z');
    expect(PLATFORM_WORDING.de.formatDate(paidAt)).toBe('29. November 2026');
    expect(PLATFORM_WORDING.ru.formatDate(paidAt)).toBe('29 ноября 2026 г.');
    expect(PLATFORM_WORDING.de.formatDate(new Date('2027-01-02T00:00:00Z'))).toBe('2. Januar 2027');
    expect(PLATFORM_WORDING.en.formatDate(paidAt)).toBe('2026-11-29');
  });
});
