export const deliveryRules = ['per_unit', 'per_product'] as const;
export type DeliveryRule = (typeof deliveryRules)[number];

export interface DeliverySetting {
  rule: DeliveryRule;
  showOnOrderPage: boolean;
  /** A renewal's {PARENT_KEY} uses the parent order only if it was bought with the same customer e-mail. */
  renewalRequiresSameCustomer: boolean;
}

/**
 * What a product gets until its merchant chooses: one license per unit, hidden on the order
 * page, and renewals only of the same customer's orders.
 */
export const defaultDeliverySetting: DeliverySetting = { rule: 'per_unit', showOnOrderPage: false, renewalRequiresSameCustomer: true };
const settingFields = ['rule', 'showOnOrderPage', 'renewalRequiresSameCustomer'];

export function licenseCountFor(rule: DeliveryRule, quantity: number): number {
  return rule === 'per_product' ? 1 : quantity;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`);

/**
 * Reads a PUT body. Unknown fields are refused so a typo such as "showOnOrderpage" is
 * reported rather than silently saved as the default.
 */
export function parseDeliverySetting(body: unknown): Parsed<DeliverySetting> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: `the body must be a JSON object such as {"rule":"per_unit","showOnOrderPage":false}, got ${describe(body)}` };
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !settingFields.includes(key));
  if (unknown.length > 0) return { ok: false, error: `unknown field(s) ${unknown.join(', ')}; expected ${settingFields.join(', ')}` };
  const { rule, showOnOrderPage, renewalRequiresSameCustomer } = fields;
  if (!deliveryRules.includes(rule as DeliveryRule)) {
    const got = typeof rule === 'string' ? JSON.stringify(rule) : rule === undefined ? 'nothing' : describe(rule);
    return { ok: false, error: `rule: must be one of "per_unit", "per_product", got ${got}` };
  }
  if (showOnOrderPage !== undefined && typeof showOnOrderPage !== 'boolean') {
    return { ok: false, error: `showOnOrderPage: must be true or false, got ${describe(showOnOrderPage)}` };
  }
  if (renewalRequiresSameCustomer !== undefined && typeof renewalRequiresSameCustomer !== 'boolean') {
    return { ok: false, error: `renewalRequiresSameCustomer: must be true or false, got ${describe(renewalRequiresSameCustomer)}` };
  }
  return {
    ok: true,
    value: {
      rule: rule as DeliveryRule,
      showOnOrderPage: showOnOrderPage ?? defaultDeliverySetting.showOnOrderPage,
      renewalRequiresSameCustomer: renewalRequiresSameCustomer ?? defaultDeliverySetting.renewalRequiresSameCustomer,
    },
  };
}
