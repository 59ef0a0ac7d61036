import type { License } from '@keypool/contracts';

/** A stored order that a renewal may name as its parent, with its licenses by product. */
export interface ParentOrder {
  orderId: string;
  merchantId: string;
  customerEmail: string;
  licensesByProduct: Map<string, License[]>;
}

/** Who renews: the renewal order's own merchant and customer. */
export interface Renewer {
  merchantId: string;
  customerEmail: string;
}

export type ParentLookup =
  | { kind: 'none' }
  | { kind: 'unknown'; parentOrderId: string }
  | { kind: 'other_customer'; parentOrderId: string; parent: ParentOrder }
  | { kind: 'found'; parentOrderId: string; parent: ParentOrder };

/**
 * Which parent a renewal may use. Another merchant's order is treated exactly like an order
 * this service never saw, so a renewal cannot even learn that it exists. With
 * `requireSameCustomer` (the default per product) the parent must also have been bought with
 * the same customer e-mail, compared case-insensitively.
 */
export function lookUpParent(renewer: Renewer, parentOrderId: string | null | undefined, parent: ParentOrder | undefined): ParentLookup {
  if (!parentOrderId) return { kind: 'none' };
  if (!parent || parent.merchantId !== renewer.merchantId) return { kind: 'unknown', parentOrderId };
  if (!sameEmail(parent.customerEmail, renewer.customerEmail)) return { kind: 'other_customer', parentOrderId, parent };
  return { kind: 'found', parentOrderId, parent };
}

/**
 * The licenses that fill {PARENT_KEY} on one line: the parent's licenses of the same product,
 * never another product's. A parent without a line of that product gives none (the tag renders
 * empty), and so does a parent of another customer when the product requires the same one.
 */
export function parentLicensesForLine(lookup: ParentLookup, productId: string, requireSameCustomer: boolean): License[] {
  if (lookup.kind === 'found') return lookup.parent.licensesByProduct.get(productId) ?? [];
  if (lookup.kind === 'other_customer' && !requireSameCustomer) return lookup.parent.licensesByProduct.get(productId) ?? [];
  return [];
}

/** What support reads on the order when a renewal got no parent licenses on some line. */
export function renewalNotes(lookup: ParentLookup, lines: { productId: string; requireSameCustomer: boolean; parentLicenses: License[] }[]): string[] {
  if (lookup.kind === 'none') return [];
  const id = lookup.parentOrderId;
  if (lookup.kind === 'unknown') return [`renewal of order ${id}, which this service does not know: sent without parent licenses ({PARENT_KEY} stays empty)`];
  const empty = lines.filter((l) => l.parentLicenses.length === 0);
  if (empty.length === 0) return [];
  if (lookup.kind === 'other_customer' && empty.some((l) => l.requireSameCustomer)) {
    return [`renewal of order ${id}, which was bought with another customer e-mail: sent without parent licenses ({PARENT_KEY} stays empty)`];
  }
  const products = [...new Set(empty.map((l) => l.productId))].join(', ');
  return [`renewal of order ${id}, which has no licenses of ${products} yet: those lines are sent without parent licenses ({PARENT_KEY} stays empty)`];
}

function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
