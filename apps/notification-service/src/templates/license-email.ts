import { escapeHtml, textToHtml } from './html';
import type { MerchantTextTemplates } from './merchant-text-template';
import { OrderForEmail, htmlValues, paymentDate, textValues } from './order-view';

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

/** The platform template (greeting, order details, signature) around the merchant's text. */
export function renderLicenseEmail(templates: MerchantTextTemplates, order: OrderForEmail, merchantText: MerchantText, sender: Sender): RenderedEmail {
  const values = textValues(order);
  const html = htmlValues(order, values);
  const subject = templates.renderText(merchantText.subject ?? PLATFORM_DEFAULT_SUBJECT, values).replace(/\s+/g, ' ').trim();
  const body = templates.renderText(merchantText.text, values);
  const bodyHtml = templates.renderHtml(merchantText.text, html);
  const name = order.customer.firstName?.trim() || values.FULLNAME;
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
