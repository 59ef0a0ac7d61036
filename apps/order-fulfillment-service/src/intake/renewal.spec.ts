import { ParentOrder, lookUpParent, parentLicensesForLine, renewalNotes } from './renewal';

const seatKey = { licenseId: 'lic_seat', value: 'SEAT-KEY' };
const bundleKey = { licenseId: 'lic_bundle', value: 'BUNDLE-KEY' };
const parent: ParentOrder = {
  orderId: 'ord_parent',
  merchantId: 'm_acme',
  customerEmail: 'Ann@Example.com',
  licensesByProduct: new Map([
    ['p_seat', [seatKey]],
    ['p_bundle', [bundleKey]],
  ]),
};
const ann = { merchantId: 'm_acme', customerEmail: 'ann@example.com' };

describe('which parent licenses a renewal gets', () => {
  it("never uses another merchant's order, and treats it as unknown so its existence is not revealed", () => {
    const lookup = lookUpParent({ merchantId: 'm_globex', customerEmail: 'ann@example.com' }, 'ord_parent', parent);
    expect(lookup).toEqual({ kind: 'unknown', parentOrderId: 'ord_parent' });
    expect(parentLicensesForLine(lookup, 'p_seat', false)).toEqual([]);
    expect(renewalNotes(lookup, [])).toEqual([expect.stringContaining('which this service does not know')]);
  });

  it("gives each line only the parent's licenses of the same product", () => {
    const lookup = lookUpParent(ann, 'ord_parent', parent);
    expect(parentLicensesForLine(lookup, 'p_seat', true)).toEqual([seatKey]);
    expect(parentLicensesForLine(lookup, 'p_bundle', true)).toEqual([bundleKey]);
    expect(parentLicensesForLine(lookup, 'p_other', true)).toEqual([]);
  });

  it('requires the same customer e-mail (in any case) unless the product allows another customer', () => {
    const bob = lookUpParent({ merchantId: 'm_acme', customerEmail: 'bob@example.com' }, 'ord_parent', parent);
    expect(bob.kind).toBe('other_customer');
    expect(parentLicensesForLine(bob, 'p_seat', true)).toEqual([]);
    expect(parentLicensesForLine(bob, 'p_seat', false)).toEqual([seatKey]);
    expect(renewalNotes(bob, [{ productId: 'p_seat', requireSameCustomer: true, parentLicenses: [] }])).toEqual([
      expect.stringContaining('bought with another customer e-mail'),
    ]);
  });

  it('is not a renewal without a parent order id', () => {
    expect(lookUpParent(ann, null, undefined)).toEqual({ kind: 'none' });
    expect(renewalNotes({ kind: 'none' }, [])).toEqual([]);
  });
});
