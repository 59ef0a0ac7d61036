import { escapeHtml, textToHtml } from './html';
import type { MerchantTextTemplates } from './merchant-text-template';
import { platformLanguageOf } from './locale';
import { OrderForEmail, fullName, htmlLookup, textLookup } from './order-view';
import { PLATFORM_WORDING, formatMoney } from './platform-wording';
import { EmailRenderRefused, MAX_RENDERED_LENGTH } from './render-limit';

export { EmailRenderRefused, MAX_RENDERED_LENGTH } from './render-limit';

/** Used for products whose merchant has written no text of their own (English; see PLATFORM_WORDING for the others). */
export const PLATFORM_DEFAULT_TEXT = PLATFORM_WORDING.en.defaultText;
export const PLATFORM_DEFAULT_SUBJECT = PLATFORM_WORDING.en.defaultSubject;

export interface MerchantText {
  subject: string | null;
  text: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface Sender {
  /** Shown in the signature; the merchant id when the merchant has not named itself. */
  merchantName: string;
  platformName: string;
}

/**
 * The platform template (greeting, order details, signature) around the merchant's text, in the
 * customer's language (`customer.locale`, English when unknown); a test purchase's e-mail says
 * so in its subject and first line. Throws EmailRenderRefused, having built nothing larger than
 * the limit, when the merchant's text would render to more than MAX_RENDERED_LENGTH characters in either part.
 */
export function renderLicenseEmail(
  templates: MerchantTextTemplates,
  order: OrderForEmail,
  merchantText: MerchantText,
  sender: Sender,
  limit = MAX_RENDERED_LENGTH,
): RenderedEmail {
  const language = platformLanguageOf(order.customer.locale);
  const wording = PLATFORM_WORDING[language];
  const text = textLookup(order, limit);
  const renderedSubject = templates.renderText(merchantText.subject ?? wording.defaultSubject, text, limit);
  if (renderedSubject === null) throw refusal('subject', order, merchantText, limit);
  const body = templates.renderText(merchantText.text, text, limit);
  if (body === null) throw refusal('plain-text part', order, merchantText, limit);
  const bodyHtml = templates.renderHtml(merchantText.text, htmlLookup(order, limit), limit);
  if (bodyHtml === null) throw refusal('HTML part', order, merchantText, limit);
  const oneLine = renderedSubject.replace(/\s+/g, ' ').trim() || wording.fallbackSubject(order.orderId);
  const subject = order.test ? `${wording.testSubjectPrefix}${oneLine}` : oneLine;
  const greeting = wording.greeting(order.customer.firstName?.trim() || fullName(order));
  const details = orderDetails(order, language);
  const signature = wording.signature(sender.platformName, sender.merchantName);
  const banner = order.test ? [wording.testBanner, ''] : [];
  return {
    subject,
    text: [...banner, greeting, '', body.trimEnd(), '', wording.orderDetails, ...details.map(([k, v]) => `${k}: ${v}`), '', signature, ''].join('\n'),
    html: htmlDocument(subject, [
      ...(order.test
        ? [
            `<p class="test-banner" style="background: #fff3cd; border: 1px solid #e0a800; padding: 8px;"><strong>${escapeHtml(wording.testBanner)}</strong></p>`,
          ]
        : []),
      `<p>${escapeHtml(greeting)}</p>`,
      `<div class="merchant-text">${bodyHtml}</div>`,
      `<h3>${escapeHtml(wording.orderDetails)}</h3>`,
      `<table class="order-details">${details.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
      `<p class="signature">${textToHtml(signature)}</p>`,
    ]),
  };
}

/** Order, product, quantity, payment date (UTC) and, when the order gives it, the line total, in the customer's language. */
function orderDetails(order: OrderForEmail, language: ReturnType<typeof platformLanguageOf>): [string, string][] {
  const { labels, formatDate } = PLATFORM_WORDING[language];
  const paidAt = new Date(order.paidAt);
  return [
    [labels.order, order.orderId],
    [labels.product, order.item.productName],
    [labels.quantity, String(order.item.quantity)],
    [labels.date, Number.isNaN(paidAt.getTime()) ? '' : formatDate(paidAt)],
    ...(order.item.lineTotal ? [[labels.total, formatMoney(order.item.lineTotal, order.currency, language)] as [string, string]] : []),
  ];
}

export function htmlDocument(title: string, blocks: string[]): string {
  return [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family: Arial, Helvetica, sans-serif; line-height: 1.5; color: #222;">',
    ...blocks,
    '</body></html>',
  ].join('\n');
}

// Says what made the e-mail large, never a license value: it becomes the reason of a permanent EmailFailed.
function refusal(part: string, order: OrderForEmail, merchantText: MerchantText, limit: number): EmailRenderRefused {
  const uses = (tag: string) => {
    const count = merchantText.text.split(`{${tag}}`).length - 1;
    return `{${tag}} used ${count === 1 ? 'once' : `${count} times`}`;
  };
  const parents = order.parentLicenses.length > 0 ? ` and ${order.parentLicenses.length} parent licenses (${uses('PARENT_KEY')})` : '';
  return new EmailRenderRefused(
    `e-mail not rendered: its ${part} would be longer than ${limit.toLocaleString('en-US')} characters, the limit per part; ` +
      `the line has ${order.licenses.length} licenses (${uses('KEY')})${parents}`,
  );
}
