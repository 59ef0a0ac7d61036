/** The languages the platform template is written in; anything else is sent in English. */
export const PLATFORM_LANGUAGES = ['en', 'de', 'ru'] as const;
export type PlatformLanguage = (typeof PLATFORM_LANGUAGES)[number];

/** As `customer.locale` in the contract. */
export const MAX_LOCALE_LENGTH = 35;
// A BCP 47 tag as checkouts send them: a 2–3 letter language, then subtags (region, script, …).
const LOCALE_TAG = /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/;

/**
 * A locale as stored and compared: lower case, `_` read as `-` (POSIX style `de_AT`), or null
 * when it is not a language tag (empty, too long, stray characters).
 */
export function normaliseLocale(locale: string | null | undefined): string | null {
  if (typeof locale !== 'string') return null;
  const tag = locale.trim().toLowerCase().replace(/_/g, '-');
  return tag.length <= MAX_LOCALE_LENGTH && LOCALE_TAG.test(tag) ? tag : null;
}

/** The merchant text locales to look for, best first: the exact tag, then its language (`de-at`, `de`). */
export function localeCandidates(locale: string | null | undefined): string[] {
  const tag = normaliseLocale(locale);
  if (!tag) return [];
  const language = tag.split('-')[0];
  return tag === language ? [tag] : [tag, language];
}

/** The platform template's language for a customer's locale: `de-AT` → `de`; unknown or absent → `en`. */
export function platformLanguageOf(locale: string | null | undefined): PlatformLanguage {
  const language = normaliseLocale(locale)?.split('-')[0];
  return PLATFORM_LANGUAGES.find((l) => l === language) ?? 'en';
}
