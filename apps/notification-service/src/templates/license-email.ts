import { escapeHtml, textToHtml } from './html';
import type { MerchantTextTemplates } from './merchant-text-template';
import { OrderForEmail, fullName, htmlLookup, paymentDate, textLookup } from './order-view';
import { EmailRenderRefused, MAX_RENDERED_LENGTH } from './render-limit';

export { EmailRenderRefused, MAX_RENDERED_LENGTH } from './render-limit';

/** Used for products whose merchant has written no text of their own. */
export const PLATFORM_DEFAULT_TEXT = 'Thank you for your purchase of {PROGRAM_NAME}.\n\nYour license:\n{KEY}';
export const PLATFORM_DEFAULT_SUBJECT = 'Your license for {PROGRAM_NAME} (order {ORDER_ID})';

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
 * The platform template (greeting, order details, signature) around the merchant's text.
 * Throws EmailRenderRefused, having built nothing larger than the limit, when the merchant's
 * text would render to more than MAX_RENDERED_LENGTH characters in either part.
 */
export function renderLicenseEmail(
  templates: MerchantTextTemplates,
  order: OrderForEmail,
  merchantText: MerchantText,
  sender: Sender,
  limit = MAX_RENDERED_LENGTH,
): RenderedEmail {
  const text = textLookup(order, limit);
  const renderedSubject = templates.renderText(merchantText.subject ?? PLATFORM_DEFAULT_SUBJECT, text, limit);
  if (renderedSubject === null) throw refusal('subject', order, merchantText, limit);
  const body = templates.renderText(merchantText.text, text, limit);
  if (body === null) throw refusal('plain-text part', order, merchantText, limit);
  const bodyHtml = templates.renderHtml(merchantText.text, htmlLookup(order, limit), limit);
  if (bodyHtml === null) throw refusal('HTML part', order, merchantText, limit);
  const subject = renderedSubject.replace(/\s+/g, ' ').trim();
  const name = order.customer.firstName?.trim() || fullName(order);
  const greeting = name ? `Hello ${name},` : 'Hello,';
  const details: [string, string][] = [
    ['Order', order.orderId],
    ['Product', order.item.productName],
    ['Quantity', String(order.item.quantity)],
    ['Date', paymentDate(order.paidAt)],
  ];
  const signature = `— The ${sender.platformName} team on behalf of ${sender.merchantName}`;
  return {
    subject: subject || `Your order ${order.orderId}`,
    text: [greeting, '', body.trimEnd(), '', 'Order details', ...details.map(([k, v]) => `${k}: ${v}`), '', signature, ''].join('\n'),
    html: htmlDocument(subject, [
      `<p>${escapeHtml(greeting)}</p>`,
      `<div class="merchant-text">${bodyHtml}</div>`,
      `<h3>Order details</h3>`,
      `<table class="order-details">${details.map(([k, v]) => `<tr><th align="left">${k}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`,
      `<p class="signature">${textToHtml(signature)}</p>`,
    ]),
  };
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
