import type { PlatformLanguage } from './locale';

/** Everything the platform writes around the merchant's text, in one language. */
export interface PlatformWording {
  greeting(name: string): string;
  orderDetails: string;
  labels: { order: string; product: string; quantity: string; date: string; total: string };
  signature(platformName: string, merchantName: string): string;
  /** Put before the subject of a test purchase's e-mail. */
  testSubjectPrefix: string;
  /** The first line of a test purchase's e-mail. */
  testBanner: string;
  /** Used when the merchant has written no text of their own (a merchant text in any language wins). */
  defaultText: string;
  defaultSubject: string;
  fallbackSubject(orderId: string): string;
  /** The payment date in the order details. */
  formatDate: (paidAt: Date) => string;
}

const utcDate = (paidAt: Date) => paidAt.toISOString().slice(0, 10);
// Built once per language: constructing an Intl formatter loads locale data and costs far
// more than formatting with it, and it would otherwise happen for every e-mail.
const longDate = (language: string) => {
  const format = new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' });
  return (paidAt: Date) => format.format(paidAt);
};

export const PLATFORM_WORDING: Record<PlatformLanguage, PlatformWording> = {
  en: {
    greeting: (name) => (name ? `Hello ${name},` : 'Hello,'),
    orderDetails: 'Order details',
    labels: { order: 'Order', product: 'Product', quantity: 'Quantity', date: 'Date', total: 'Total' },
    signature: (platform, merchant) => `— The ${platform} team on behalf of ${merchant}`,
    testSubjectPrefix: '[TEST] ',
    testBanner: 'TEST PURCHASE: this e-mail comes from a test order. Its licenses are from a test pool and no payment was taken.',
    defaultText: 'Thank you for your purchase of {PROGRAM_NAME}.\n\nYour license:\n{KEY}',
    defaultSubject: 'Your license for {PROGRAM_NAME} (order {ORDER_ID})',
    fallbackSubject: (orderId) => `Your order ${orderId}`,
    // ISO, not en-US or en-GB: "11/12/2026" reads as two different days on either side of the Atlantic.
    formatDate: utcDate,
  },
  de: {
    greeting: (name) => (name ? `Hallo ${name},` : 'Hallo,'),
    orderDetails: 'Bestelldetails',
    labels: { order: 'Bestellung', product: 'Produkt', quantity: 'Menge', date: 'Datum', total: 'Summe' },
    signature: (platform, merchant) => `— Ihr ${platform}-Team im Auftrag von ${merchant}`,
    testSubjectPrefix: '[TEST] ',
    testBanner: 'TESTKAUF: Diese E-Mail stammt aus einer Testbestellung. Ihre Lizenzen stammen aus einem Testpool, es wurde nichts bezahlt.',
    defaultText: 'Vielen Dank für Ihren Kauf von {PROGRAM_NAME}.\n\nIhre Lizenz:\n{KEY}',
    defaultSubject: 'Ihre Lizenz für {PROGRAM_NAME} (Bestellung {ORDER_ID})',
    fallbackSubject: (orderId) => `Ihre Bestellung ${orderId}`,
    formatDate: longDate('de'),
  },
  ru: {
    greeting: (name) => (name ? `Здравствуйте, ${name}!` : 'Здравствуйте!'),
    orderDetails: 'Детали заказа',
    labels: { order: 'Заказ', product: 'Товар', quantity: 'Количество', date: 'Дата', total: 'Сумма' },
    signature: (platform, merchant) => `— Команда ${platform} от имени ${merchant}`,
    testSubjectPrefix: '[ТЕСТ] ',
    testBanner: 'ТЕСТОВАЯ ПОКУПКА: это письмо по тестовому заказу. Лицензии взяты из тестового пула, оплата не списывалась.',
    defaultText: 'Спасибо за покупку {PROGRAM_NAME}.\n\nВаша лицензия:\n{KEY}',
    defaultSubject: 'Ваша лицензия на {PROGRAM_NAME} (заказ {ORDER_ID})',
    fallbackSubject: (orderId) => `Ваш заказ ${orderId}`,
    formatDate: longDate('ru'),
  },
};

/**
 * Money formatters by language and currency, null for a currency Intl refuses (so it is not
 * refused again, by a throw, for every e-mail). Currencies come from events, so any string can
 * be a key: the map is emptied when it grows past the limit rather than growing without end.
 */
const moneyFormats = new Map<string, Intl.NumberFormat | null>();
export const MONEY_FORMATS_LIMIT = 64;

function moneyFormat(currency: string, language: PlatformLanguage): Intl.NumberFormat | null {
  const key = `${language} ${currency}`;
  let format = moneyFormats.get(key);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat(language, { style: 'currency', currency });
    } catch {
      format = null;
    }
    if (moneyFormats.size >= MONEY_FORMATS_LIMIT) moneyFormats.clear();
    moneyFormats.set(key, format);
  }
  return format;
}

/** A line total in the customer's language (`€39.98`, `39,98 €`); as given with its code when Intl does not know the currency. */
export function formatMoney(amount: string, currency: string, language: PlatformLanguage): string {
  try {
    const format = moneyFormat(currency, language);
    if (format) return format.format(amount as unknown as number);
  } catch {
    // As for a currency Intl does not know.
  }
  return `${amount} ${currency}`;
}

/** How many money formatters are cached (for tests of the limit). */
export function cachedMoneyFormats(): number {
  return moneyFormats.size;
}
