import { renderLicenseEmail } from './license-email';
import { MerchantTextTemplates } from './merchant-text-template';
import type { OrderForEmail } from './order-view';
import { PLATFORM_WORDING } from './platform-wording';
import { SAMPLE_ORDER } from './sample-order';

const templates = new MerchantTextTemplates();
const sender = { merchantName: 'Acme Software', platformName: 'keypool' };
const orderIn = (locale: string | null, extra: Partial<OrderForEmail> = {}): OrderForEmail => ({
  ...SAMPLE_ORDER,
  customer: { ...SAMPLE_ORDER.customer, locale },
  ...extra,
});
const render = (order: OrderForEmail, text = 'Keys:\n{KEY}', subject: string | null = null) => renderLicenseEmail(templates, order, { subject, text }, sender);

describe('the platform template in the customer language', () => {
  it('writes greeting, order details and signature in German for de-AT, with a German date and total', () => {
    const { text, html } = render(orderIn('de-AT'));
    expect(text.startsWith('Hallo Ann,\n\nKeys:\nAAAA-BBBB-CCCC-DDDD\n')).toBe(true);
    expect(text).toContain('Bestelldetails\nBestellung: ord_1001\nProdukt: Photo Editor Pro 2026\nMenge: 2\nDatum: 29. November 2026\nSumme: 39,98\u00a0€\n');
    expect(text).toContain('— Ihr keypool-Team im Auftrag von Acme Software');
    expect(html).toContain('<h3>Bestelldetails</h3>');
    expect(html).toContain('<tr><th align="left">Menge</th><td>2</td></tr>');
  });

  it('writes it in Russian for ru, greeting without a name when there is none', () => {
    const { text } = render(orderIn('ru', { customer: { email: 'ivan@example.com', locale: 'ru-RU' } }));
    expect(text.startsWith('Здравствуйте!\n\nKeys:')).toBe(true);
    expect(text).toContain('Детали заказа\nЗаказ: ord_1001\nТовар: Photo Editor Pro 2026\nКоличество: 2\nДата: 29 ноября 2026 г.\nСумма: 39,98\u00a0€\n');
    expect(text).toContain('— Команда keypool от имени Acme Software');
  });

  it('falls back to English for an unknown or absent locale, the date staying ISO', () => {
    for (const locale of ['xx', null]) {
      const { text } = render(orderIn(locale));
      expect(text.startsWith('Hello Ann,\n')).toBe(true);
      expect(text).toContain('Order details\nOrder: ord_1001\nProduct: Photo Editor Pro 2026\nQuantity: 2\nDate: 2026-11-29\nTotal: €39.98\n');
    }
  });

  it("uses the platform default subject in the customer's language when the merchant gives none", () => {
    expect(render(orderIn('de')).subject).toBe('Ihre Lizenz für Photo Editor Pro 2026 (Bestellung ord_1001)');
    expect(render(orderIn('ru')).subject).toBe('Ваша лицензия на Photo Editor Pro 2026 (заказ ord_1001)');
    expect(render(orderIn('de'), '{KEY}', 'Ihre Schlüssel').subject).toBe('Ihre Schlüssel');
  });

  it('keeps every language complete: the same parts, the default text with {KEY}', () => {
    for (const wording of Object.values(PLATFORM_WORDING)) {
      expect(wording.defaultText).toContain('{KEY}');
      expect(Object.values(wording.labels).every((label) => label.length > 0)).toBe(true);
      expect(wording.testBanner.length).toBeGreaterThan(20);
    }
  });
});

describe('test purchases', () => {
  it('are marked in the subject and by a banner before the greeting, in the customer language', () => {
    const en = render(orderIn('en', { test: true }), '{KEY}', 'Your keys');
    expect(en.subject).toBe('[TEST] Your keys');
    expect(en.text.startsWith(`${PLATFORM_WORDING.en.testBanner}\n\nHello Ann,`)).toBe(true);
    expect(en.html).toContain(`<p class="test-banner"`);
    expect(en.html).toContain(PLATFORM_WORDING.en.testBanner);
    const ru = render(orderIn('ru', { test: true }));
    expect(ru.subject).toBe('[ТЕСТ] Ваша лицензия на Photo Editor Pro 2026 (заказ ord_1001)');
    expect(ru.text.startsWith('ТЕСТОВАЯ ПОКУПКА:')).toBe(true);
  });

  it('leave live purchases unmarked', () => {
    const live = render(orderIn('de', { test: false }), '{KEY}', 'Ihre Schlüssel');
    expect(live.subject).toBe('Ihre Schlüssel');
    expect(live.text).not.toContain('TEST');
    expect(live.html).not.toContain('test-banner');
  });
});
