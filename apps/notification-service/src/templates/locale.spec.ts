import { localeCandidates, normaliseLocale, platformLanguageOf } from './locale';

describe('customer locale', () => {
  it.each([
    ['de', 'de'],
    ['de-AT', 'de'],
    ['DE-at', 'de'],
    ['de_AT', 'de'],
    ['ru-RU', 'ru'],
    ['en-GB', 'en'],
    ['xx', 'en'],
    ['fr-FR', 'en'],
    ['', 'en'],
    [null, 'en'],
    [undefined, 'en'],
    ['de\r\nX-Evil: 1', 'en'],
    [`de-${'a'.repeat(40)}`, 'en'],
  ])('chooses the platform language of %p: %p', (locale, language) => {
    expect(platformLanguageOf(locale)).toBe(language);
  });

  it('looks for the exact tag, then its language, case-insensitively', () => {
    expect(localeCandidates('de-AT')).toEqual(['de-at', 'de']);
    expect(localeCandidates('zh-Hant-TW')).toEqual(['zh-hant-tw', 'zh']);
    expect(localeCandidates('RU')).toEqual(['ru']);
    expect(localeCandidates('not a tag')).toEqual([]);
    expect(localeCandidates(null)).toEqual([]);
  });

  it('keeps a locale only when it is a language tag of at most 35 characters', () => {
    expect(normaliseLocale(' De-CH ')).toBe('de-ch');
    expect(normaliseLocale('d')).toBeNull();
    expect(normaliseLocale('de--at')).toBeNull();
    expect(normaliseLocale('de-AT;q=0.9')).toBeNull();
    expect(normaliseLocale(`en-${'abcdefgh-'.repeat(3)}abcde`)).toBe(`en-${'abcdefgh-'.repeat(3)}abcde`);
    expect(normaliseLocale(`en-${'abcdefgh-'.repeat(3)}abcdef`)).toBeNull();
  });
});
