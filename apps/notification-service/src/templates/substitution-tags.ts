// The platform's established tag set (CONTRACT.md). Merchants' texts from the old
// platform use exactly these names, so they are kept verbatim, upper case, single braces.
export const SUBSTITUTION_TAGS = {
  KEY: "the line's licenses, one per line (a list in HTML; https links become links)",
  PARENT_KEY: 'the licenses of the renewed (parent) order, same layout as {KEY}',
  ORDER_ID: 'order id',
  PRICEGROUP_ID: 'product id',
  PROGRAM_NAME: 'full product name',
  PROGRAM_SHORT: 'short product name',
  QUANTITY: 'units ordered on this line',
  PRICE_ONE_DUPLICATE: 'unit price with currency, e.g. "19.99 EUR"',
  PRICE_ALL_DUPLICATES: 'line total with currency, e.g. "39.98 EUR"',
  FULLNAME: "customer's first and last name",
  FNAME: "customer's first name",
  LNAME: "customer's last name",
  LICENSE_FOR: 'whom the license is registered to, as entered at checkout',
  EMAIL: "customer's e-mail address",
  COUNTRY: 'country of the billing address',
  CITY: 'city of the billing address',
  ZIP: 'postal code of the billing address',
  ADDRESS: 'street line of the billing address',
  PHONE: "customer's phone number",
  COMPANY: "customer's company",
  URL: 'instructions URL of the product',
  URL_FULL: 'download URL of the product',
  DATE: 'payment date, YYYY-MM-DD',
  ADDINFO_TEXT: 'additional information of the product',
} as const;

export type SubstitutionTag = keyof typeof SUBSTITUTION_TAGS;

export const TAG_NAMES = Object.keys(SUBSTITUTION_TAGS) as SubstitutionTag[];

export function isSubstitutionTag(name: string): name is SubstitutionTag {
  return Object.prototype.hasOwnProperty.call(SUBSTITUTION_TAGS, name);
}

/** Tags that carry licenses: kept out of subjects, which show in previews and lock screens. */
export const LICENSE_TAGS: readonly SubstitutionTag[] = ['KEY', 'PARENT_KEY'];
