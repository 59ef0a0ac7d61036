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

export function licenseCountFor(rule: DeliveryRule, quantity: number): number {
  return rule === 'per_product' ? 1 : quantity;
}

/** A saved choice: what the body names, the defaults for what it leaves out. */
export function deliverySettingOf(body: { rule: DeliveryRule; showOnOrderPage?: boolean; renewalRequiresSameCustomer?: boolean }): DeliverySetting {
  return {
    rule: body.rule,
    showOnOrderPage: body.showOnOrderPage ?? defaultDeliverySetting.showOnOrderPage,
    renewalRequiresSameCustomer: body.renewalRequiresSameCustomer ?? defaultDeliverySetting.renewalRequiresSameCustomer,
  };
}
