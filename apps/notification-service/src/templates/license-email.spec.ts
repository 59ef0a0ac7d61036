import { MerchantTextTemplates } from './merchant-text-template';
import { EmailRenderRefused, MAX_RENDERED_LENGTH, PLATFORM_DEFAULT_TEXT, renderLicenseEmail } from './license-email';
import type { OrderForEmail } from './order-view';
import { SAMPLE_ORDER } from './sample-order';
import { TAG_NAMES } from './substitution-tags';

const templates = new MerchantTextTemplates();
const sender = { merchantName: 'Acme Software', platformName: 'keypool' };
const render = (text: string, order: OrderForEmail = SAMPLE_ORDER, subject: string | null = null) =>
  renderLicenseEmail(templates, order, { subject, text }, sender);

const bareOrder: OrderForEmail = {
  orderId: 'ord_2',
  currency: 'USD',
  paidAt: '2026-01-02T23:30:00-05:00',
  licenseFor: null,
  customer: { email: 'bob@example.com' },
  item: { lineId: '1', productId: 'p_x', productName: 'X Tool', quantity: 1 },
  licenses: [{ value: 'K-1' }],
  parentLicenses: [],
};

describe('license e-mail rendering', () => {
  it('fills every tag of the contract from the order', () => {
    const text = TAG_NAMES.map((tag) => `${tag}=[{${tag}}]`).join('\n');
    const order = { ...SAMPLE_ORDER, parentLicenses: [{ value: 'OLD-1' }] };
    const { text: out } = render(text, order);
    expect(out).toContain('KEY=[AAAA-BBBB-CCCC-DDDD\nEEEE-FFFF-GGGG-HHHH]');
    expect(out).toContain('PARENT_KEY=[OLD-1]');
    expect(out).toContain('ORDER_ID=[ord_1001]');
    expect(out).toContain('PRICEGROUP_ID=[p_editor]');
    expect(out).toContain('PROGRAM_NAME=[Photo Editor Pro 2026]');
    expect(out).toContain('PROGRAM_SHORT=[Photo Editor Pro]');
    expect(out).toContain('QUANTITY=[2]');
    expect(out).toContain('PRICE_ONE_DUPLICATE=[19.99 EUR]');
    expect(out).toContain('PRICE_ALL_DUPLICATES=[39.98 EUR]');
    expect(out).toContain('FULLNAME=[Ann Lee]');
    expect(out).toContain('FNAME=[Ann]');
    expect(out).toContain('LNAME=[Lee]');
    expect(out).toContain('LICENSE_FOR=[Lee Photography]');
    expect(out).toContain('EMAIL=[ann@example.com]');
    expect(out).toContain('COUNTRY=[DE]');
    expect(out).toContain('CITY=[Berlin]');
    expect(out).toContain('ZIP=[10115]');
    expect(out).toContain('ADDRESS=[Main St 1]');
    expect(out).toContain('PHONE=[+49 30 1234567]');
    expect(out).toContain('COMPANY=[Lee Photography]');
    expect(out).toContain('URL=[https://example.com/editor/install]');
    expect(out).toContain('URL_FULL=[https://example.com/editor/download]');
    expect(out).toContain('DATE=[2026-11-29]');
    expect(out).toContain('ADDINFO_TEXT=[Activate within 30 days.]');
  });

  it('renders tags whose data the order lacks as empty', () => {
    const text = 'a[{FNAME}] b[{PHONE}] c[{CITY}] d[{URL}] e[{PRICE_ONE_DUPLICATE}] f[{PARENT_KEY}] g[{ADDINFO_TEXT}] {KEY}';
    const { text: out, html } = render(text, bareOrder);
    expect(out).toContain('a[] b[] c[] d[] e[] f[] g[] K-1');
    expect(html).toContain('a[] b[] c[] d[] e[] f[] g[]');
  });

  it('wraps the merchant text in greeting, order details and signature', () => {
    const { text, html } = render(PLATFORM_DEFAULT_TEXT);
    expect(text.startsWith('Hello Ann,\n\nThank you for your purchase of Photo Editor Pro 2026.')).toBe(true);
    expect(text).toContain('Order: ord_1001\nProduct: Photo Editor Pro 2026\nQuantity: 2\nDate: 2026-11-29');
    expect(text).toContain('— The keypool team on behalf of Acme Software');
    expect(html).toContain('<p>Hello Ann,</p>');
    expect(html).toContain('on behalf of Acme Software');
  });

  it('greets without a name when the customer gave none, and uses the UTC payment date', () => {
    const { text } = render('{KEY}', bareOrder);
    expect(text.startsWith('Hello,\n')).toBe(true);
    expect(text).toContain('Date: 2026-01-03');
  });

  it('lists several licenses one per line in text and as a list in HTML, links as links', () => {
    const order = { ...SAMPLE_ORDER, licenses: [{ value: 'KEY-1' }, { value: 'https://files.example.com/l/2?a=1&b=2' }] };
    const { text, html } = render('Licenses:\n{KEY}', order);
    expect(text).toContain('Licenses:\nKEY-1\nhttps://files.example.com/l/2?a=1&b=2\n');
    expect(html).toContain(
      '<ul class="licenses"><li><code>KEY-1</code></li><li><a href="https://files.example.com/l/2?a=1&amp;b=2">https://files.example.com/l/2?a=1&amp;b=2</a></li></ul>',
    );
  });

  it('never turns a non-https license into a link', () => {
    const order = { ...SAMPLE_ORDER, licenses: [{ value: 'javascript:alert(1)' }, { value: 'http://plain.example.com/x' }] };
    const { html } = render('{KEY}', order);
    expect(html).not.toContain('<a ');
    expect(html).toContain('<code>javascript:alert(1)</code>');
  });

  it('escapes the merchant text and customer data in HTML and keeps line breaks', () => {
    const order = { ...SAMPLE_ORDER, customer: { ...SAMPLE_ORDER.customer, firstName: '<b>Ann</b>', company: 'A & "B"' } };
    const { html, text } = render('<script>alert(1)</script>\nfor {COMPANY} & co\n{KEY}', order);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;<br>\nfor A &amp; &quot;B&quot; &amp; co<br>');
    expect(html).toContain('<p>Hello &lt;b&gt;Ann&lt;/b&gt;,</p>');
    expect(html).not.toContain('<script>');
    expect(text).toContain('<script>alert(1)</script>\nfor A & "B" & co');
  });

  it('never re-interprets values that look like tags or mustache', () => {
    const order = {
      ...SAMPLE_ORDER,
      customer: { ...SAMPLE_ORDER.customer, firstName: '{KEY}', company: '{{#x}}{{/x}}{{> p}}' },
      licenses: [{ value: '{ORDER_ID}' }, { value: '{{KEY}}' }],
    };
    const { text } = render('{FNAME} {COMPANY}\n{KEY}', order);
    expect(text).toContain('{KEY} {{#x}}{{/x}}{{> p}}\n{ORDER_ID}\n{{KEY}}');
    expect(text).toContain('Hello {KEY},');
  });

  it('renders the subject from tags, on one line', () => {
    const { subject } = render('{KEY}', SAMPLE_ORDER, 'Your {PROGRAM_SHORT} for order {ORDER_ID}');
    expect(subject).toBe('Your Photo Editor Pro for order ord_1001');
    expect(render('{KEY}').subject).toBe('Your license for Photo Editor Pro 2026 (order ord_1001)');
  });

  it('renders the same text again from the cache with other orders', () => {
    const text = 'Cached for {FNAME}: {KEY}';
    expect(render(text).text).toContain('Cached for Ann: AAAA');
    expect(render(text, bareOrder).text).toContain('Cached for : K-1');
  });
});

describe('license e-mail size limit', () => {
  const licenses = (count: number, value: (i: number) => string) => Array.from({ length: count }, (_, i) => ({ value: value(i) }));
  const shortKey = (i: number) => `KEY-${String(i).padStart(5, '0')}-ABCDE-FGHIJ-KLMNO`;
  const link = (i: number) => `https://files.example.com/${String(i).padStart(4, '0')}/${'a'.repeat(2017)}`;
  const refusalOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return error;
    }
    throw new Error('rendering was not refused');
  };

  it('sends the largest legitimate line: 10,000 short keys in {KEY} once', () => {
    const order = { ...SAMPLE_ORDER, licenses: licenses(10_000, shortKey) };
    const { text, html } = render('Your keys:\n{KEY}', order);
    expect(text).toContain(shortKey(9_999));
    expect(html).toContain(`<li><code>${shortKey(9_999)}</code></li></ul>`);
    expect(html.length).toBeLessThan(MAX_RENDERED_LENGTH + 10_000);
  });

  it('refuses a line whose licenses cannot fit, naming the part, the limit and the cause but no license', () => {
    const order = { ...SAMPLE_ORDER, licenses: licenses(10_000, link) };
    const error = refusalOf(() => render('{KEY}', order));
    expect(error).toBeInstanceOf(EmailRenderRefused);
    expect((error as Error).name).toBe('EmailRenderRefused');
    expect((error as Error).message).toBe(
      'e-mail not rendered: its plain-text part would be longer than 1,048,576 characters, the limit per part; the line has 10000 licenses ({KEY} used once)',
    );
    expect((error as Error).message).not.toContain('files.example.com');
  });

  it('refuses a stored text that repeats {KEY} 4,000 times over eight 2 kB links, building nothing near its size', () => {
    const order = { ...SAMPLE_ORDER, licenses: licenses(8, link) };
    const legacyText = '{KEY}\n'.repeat(4_000);
    const rendered = jest.spyOn(Array.prototype, 'join');
    try {
      expect(refusalOf(() => render(legacyText, order))).toBeInstanceOf(EmailRenderRefused);
      const longest = Math.max(...rendered.mock.results.map((r) => (typeof r.value === 'string' ? r.value.length : 0)));
      expect(longest).toBeLessThanOrEqual(MAX_RENDERED_LENGTH);
    } finally {
      rendered.mockRestore();
    }
  });

  it('refuses the HTML part when escaping makes it grow past the limit', () => {
    const order = { ...SAMPLE_ORDER, licenses: licenses(100, () => '"'.repeat(2_048)) };
    const error = refusalOf(() => render('{KEY}\n{KEY}', order));
    expect((error as Error).message).toContain('its HTML part would be longer than 1,048,576 characters');
  });

  it('never builds a license list the text does not use', () => {
    const order = { ...SAMPLE_ORDER, parentLicenses: licenses(20_000, link) };
    expect(render('{KEY}', order).text).toContain('AAAA-BBBB-CCCC-DDDD');
    expect((refusalOf(() => render('{KEY} {PARENT_KEY}', order)) as Error).message).toContain('20000 parent licenses ({PARENT_KEY} used once)');
  });

  it('counts the merchant words and the values together against the limit', () => {
    const order = { ...SAMPLE_ORDER, customer: { ...SAMPLE_ORDER.customer, firstName: 'A'.repeat(95) } };
    expect(renderLicenseEmail(templates, order, { subject: null, text: 'Dear {FNAME}' }, sender, 100).text).toContain(`Dear ${'A'.repeat(95)}`);
    expect(() => renderLicenseEmail(templates, order, { subject: null, text: 'Dear  {FNAME}' }, sender, 100)).toThrow(EmailRenderRefused);
  });
});
