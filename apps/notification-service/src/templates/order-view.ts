import type { LicenseAllocatedData } from '@keypool/contracts';
import { escapeHtml, isHttpsLink, linkOrText, textToHtml } from './html';
import { joinWithin } from './render-limit';
import type { SubstitutionTag } from './substitution-tags';

/** What an e-mail is rendered from: the order line as LicenseAllocated carries it. */
export type OrderForEmail = Pick<LicenseAllocatedData, 'orderId' | 'currency' | 'paidAt' | 'licenseFor' | 'customer' | 'item'> & {
  /** A test purchase (served from test pools): its e-mail is marked as such. */
  test?: boolean;
  licenses: { value: string }[];
  parentLicenses: { value: string }[];
};

/** A tag's value in one part of an e-mail; null when it alone would be longer than the render limit. */
export type TagLookup = (tag: SubstitutionTag) => string | null;

type LicenseTag = 'KEY' | 'PARENT_KEY';
type ScalarValues = Record<Exclude<SubstitutionTag, LicenseTag>, string>;

/** The value of every tag but the license lists as plain text; data the order lacks is an empty string. */
export function scalarValues(order: OrderForEmail): ScalarValues {
  const { customer, item } = order;
  const address = customer.address ?? null;
  return {
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

/**
 * Tag values for the plain-text part. A license list is built only when a text asks for it,
 * once, and only up to `limit` characters: a line may carry 10,000 long licenses (and a
 * renewal every license of its parent order), which no e-mail can hold.
 */
export function textLookup(order: OrderForEmail, limit: number): TagLookup {
  const scalars = scalarValues(order);
  return memoised((tag) => {
    if (tag === 'KEY') return joinWithin(valuesOf(order.licenses), '\n', limit);
    if (tag === 'PARENT_KEY') return joinWithin(valuesOf(order.parentLicenses), '\n', limit);
    return scalars[tag];
  });
}

/** The same values ready for the HTML part: escaped, licenses as a list, https links clickable. */
export function htmlLookup(order: OrderForEmail, limit: number): TagLookup {
  const scalars = scalarValues(order);
  return memoised((tag) => {
    if (tag === 'KEY') return licenseList(order.licenses, limit);
    if (tag === 'PARENT_KEY') return licenseList(order.parentLicenses, limit);
    const value = scalars[tag];
    if ((tag === 'URL' || tag === 'URL_FULL') && value && isHttpsLink(value)) return linkOrText(value);
    return textToHtml(value);
  });
}

function licenseList(licenses: { value: string }[], limit: number): string | null {
  if (licenses.length === 0) return '';
  const open = '<ul class="licenses">';
  const close = '</ul>';
  const items = joinWithin(licenseItems(licenses), '', limit - open.length - close.length);
  return items === null ? null : `${open}${items}${close}`;
}

function* licenseItems(licenses: { value: string }[]): Generator<string> {
  for (const l of licenses) yield `<li>${isHttpsLink(l.value) ? linkOrText(l.value) : `<code>${escapeHtml(l.value)}</code>`}</li>`;
}

function* valuesOf(licenses: { value: string }[]): Generator<string> {
  for (const l of licenses) yield l.value;
}

function memoised(lookup: TagLookup): TagLookup {
  const known = new Map<SubstitutionTag, string | null>();
  return (tag) => {
    if (!known.has(tag)) known.set(tag, lookup(tag));
    return known.get(tag) ?? null;
  };
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
