import type { LicenseAllocatedData } from '@keypool/contracts';
import { escapeHtml, isHttpsLink, linkOrText, textToHtml } from './html';
import type { SubstitutionTag } from './substitution-tags';

/** What an e-mail is rendered from: the order line as LicenseAllocated carries it. */
export type OrderForEmail = Pick<LicenseAllocatedData, 'orderId' | 'currency' | 'paidAt' | 'licenseFor' | 'customer' | 'item'> & {
  licenses: { value: string }[];
  parentLicenses: { value: string }[];
};

export type TagValues = Record<SubstitutionTag, string>;

/** The value of every tag as plain text; data the order lacks is an empty string. */
export function textValues(order: OrderForEmail): TagValues {
  const { customer, item } = order;
  const address = customer.address ?? null;
  return {
    KEY: order.licenses.map((l) => l.value).join('\n'),
    PARENT_KEY: order.parentLicenses.map((l) => l.value).join('\n'),
    ORDER_ID: order.orderId,
    PRICEGROUP_ID: item.productId,
    PROGRAM_NAME: item.productName,
    PROGRAM_SHORT: item.productShortName ?? '',
    QUANTITY: String(item.quantity),
    PRICE_ONE_DUPLICATE: withCurrency(item.unitPrice, order.currency),
    PRICE_ALL_DUPLICATES: withCurrency(item.lineTotal, order.currency),
    FULLNAME: fullName(order),
    FNAME: customer.firstName ?? '',
    LNAME: customer.lastName ?? '',
    LICENSE_FOR: order.licenseFor ?? '',
    EMAIL: customer.email,
    COUNTRY: address?.country ?? '',
    CITY: address?.city ?? '',
    ZIP: address?.zip ?? '',
    ADDRESS: address?.line ?? '',
    PHONE: customer.phone ?? '',
    COMPANY: customer.company ?? '',
    URL: item.instructionsUrl ?? '',
    URL_FULL: item.downloadUrl ?? '',
    DATE: paymentDate(order.paidAt),
    ADDINFO_TEXT: item.additionalInfo ?? '',
  };
}

/** The same values ready for the HTML part: escaped, licenses as a list, https links clickable. */
export function htmlValues(order: OrderForEmail, text: TagValues = textValues(order)): TagValues {
  const html = {} as TagValues;
  for (const [tag, value] of Object.entries(text) as [SubstitutionTag, string][]) html[tag] = textToHtml(value);
  html.KEY = licenseList(order.licenses);
  html.PARENT_KEY = licenseList(order.parentLicenses);
  html.URL = text.URL && isHttpsLink(text.URL) ? linkOrText(text.URL) : html.URL;
  html.URL_FULL = text.URL_FULL && isHttpsLink(text.URL_FULL) ? linkOrText(text.URL_FULL) : html.URL_FULL;
  return html;
}

function licenseList(licenses: { value: string }[]): string {
  if (licenses.length === 0) return '';
  const items = licenses.map((l) => `<li>${isHttpsLink(l.value) ? linkOrText(l.value) : `<code>${escapeHtml(l.value)}</code>`}</li>`);
  return `<ul class="licenses">${items.join('')}</ul>`;
}

export function fullName(order: Pick<OrderForEmail, 'customer'>): string {
  return [order.customer.firstName, order.customer.lastName].filter((part) => part && part.trim()).join(' ');
}

function withCurrency(amount: string | null | undefined, currency: string): string {
  return amount ? `${amount} ${currency}` : '';
}

/** The calendar date of payment in UTC: the same day in every inbox, whatever its time zone. */
export function paymentDate(paidAt: string): string {
  const date = new Date(paidAt);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}
