import { licenseCountFor, parseDeliverySetting } from './delivery-rule';

describe('delivery rules', () => {
  it('gives one license per unit, or one per product line whatever the quantity', () => {
    expect(licenseCountFor('per_unit', 3)).toBe(3);
    expect(licenseCountFor('per_product', 3)).toBe(1);
  });

  it('accepts a rule alone, keeping the licenses off the order page', () => {
    expect(parseDeliverySetting({ rule: 'per_product' })).toEqual({
      ok: true,
      value: { rule: 'per_product', showOnOrderPage: false, renewalRequiresSameCustomer: true },
    });
  });

  it('names the rule field when the rule is unknown or missing', () => {
    expect(parseDeliverySetting({ rule: 'per_box' })).toEqual({ ok: false, error: 'rule: must be one of "per_unit", "per_product", got "per_box"' });
    expect(parseDeliverySetting({ showOnOrderPage: true })).toEqual({
      ok: false,
      error: 'rule: must be one of "per_unit", "per_product", got nothing',
    });
  });

  it('refuses a visibility that is not a boolean and fields it does not know', () => {
    expect(parseDeliverySetting({ rule: 'per_unit', showOnOrderPage: 'yes' })).toEqual({
      ok: false,
      error: 'showOnOrderPage: must be true or false, got a string',
    });
    expect(parseDeliverySetting({ rule: 'per_unit', showOnOrderpage: true })).toMatchObject({ ok: false, error: expect.stringContaining('showOnOrderpage') });
  });

  it('takes whether renewals need the same customer, refusing anything but a boolean', () => {
    expect(parseDeliverySetting({ rule: 'per_unit', renewalRequiresSameCustomer: false })).toMatchObject({
      ok: true,
      value: { renewalRequiresSameCustomer: false },
    });
    expect(parseDeliverySetting({ rule: 'per_unit', renewalRequiresSameCustomer: 0 })).toEqual({
      ok: false,
      error: 'renewalRequiresSameCustomer: must be true or false, got a number',
    });
  });
});
