import { requestValidator } from '@keypool/platform';
import { deliverySettingOf, licenseCountFor } from './delivery-rule';
import { DeliverySettingBody } from './delivery.schemas';

const parse = (body: unknown) => {
  try {
    return { ok: true, value: deliverySettingOf(requestValidator(DeliverySettingBody, 'body')(body)) };
  } catch (error) {
    return { ok: false, error: (error as { response: { message: string } }).response.message };
  }
};

describe('delivery rules', () => {
  it('gives one license per unit, or one per product line whatever the quantity', () => {
    expect(licenseCountFor('per_unit', 3)).toBe(3);
    expect(licenseCountFor('per_product', 3)).toBe(1);
  });

  it('accepts a rule alone, keeping the licenses off the order page', () => {
    expect(parse({ rule: 'per_product' })).toEqual({
      ok: true,
      value: { rule: 'per_product', showOnOrderPage: false, renewalRequiresSameCustomer: true },
    });
  });

  it('names the rule field when the rule is unknown or missing', () => {
    expect(parse({ rule: 'per_box' })).toEqual({ ok: false, error: 'body.rule: must be one of "per_unit", "per_product", got "per_box"' });
    expect(parse({ showOnOrderPage: true })).toEqual({ ok: false, error: 'body.rule: is required' });
  });

  it('refuses a visibility that is not a boolean and fields it does not know', () => {
    expect(parse({ rule: 'per_unit', showOnOrderPage: 'yes' })).toEqual({ ok: false, error: 'body.showOnOrderPage: must be a boolean, got a string' });
    expect(parse({ rule: 'per_unit', showOnOrderpage: true })).toEqual({
      ok: false,
      error: 'body: has no field "showOnOrderpage" (unknown fields are refused)',
    });
  });

  it('takes whether renewals need the same customer, refusing anything but a boolean', () => {
    expect(parse({ rule: 'per_unit', renewalRequiresSameCustomer: false })).toMatchObject({ ok: true, value: { renewalRequiresSameCustomer: false } });
    expect(parse({ rule: 'per_unit', renewalRequiresSameCustomer: 0 })).toEqual({
      ok: false,
      error: 'body.renewalRequiresSameCustomer: must be a boolean, got 0',
    });
  });
});
