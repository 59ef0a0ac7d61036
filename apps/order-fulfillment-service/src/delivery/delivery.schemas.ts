import { Type } from '@sinclair/typebox';
import { StringEnum } from '@keypool/platform';
import { defaultDeliverySetting, deliveryRules } from './delivery-rule';

/** The product a delivery setting belongs to, from the path. */
export const ProductPath = Type.Object({
  merchantId: Type.String({ minLength: 1, maxLength: 200 }),
  productId: Type.String({ minLength: 1, maxLength: 200 }),
});

/**
 * A PUT body. Unknown fields are refused so a typo such as "showOnOrderpage" is reported rather
 * than silently saved as the default.
 */
export const DeliverySettingBody = Type.Object(
  {
    rule: StringEnum(deliveryRules, { description: 'per_unit: one license per unit ordered; per_product: one license per order line whatever the quantity' }),
    showOnOrderPage: Type.Optional(
      Type.Boolean({
        default: defaultDeliverySetting.showOnOrderPage,
        description: 'Whether the merchant sees the license values on the order page (support always does)',
      }),
    ),
    renewalRequiresSameCustomer: Type.Optional(
      Type.Boolean({
        default: defaultDeliverySetting.renewalRequiresSameCustomer,
        description:
          "A renewal (OrderPaid.parentOrderId) fills {PARENT_KEY} from the parent order only if the parent was bought with the same customer e-mail. Set false to allow renewals by another customer of the same merchant (e.g. a company renewing an employee's license). The parent must always belong to the same merchant.",
      }),
    ),
  },
  { additionalProperties: false, examples: [{ rule: 'per_unit', showOnOrderPage: false }] },
);

export const ProductDeliveryResponse = Type.Object({
  merchantId: Type.String(),
  productId: Type.String(),
  rule: StringEnum(deliveryRules),
  showOnOrderPage: Type.Boolean(),
  renewalRequiresSameCustomer: Type.Boolean(),
  isDefault: Type.Boolean({ description: 'true while no choice is saved and the defaults (per_unit, hidden) apply' }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
