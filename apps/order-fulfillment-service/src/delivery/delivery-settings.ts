import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, type Result, outsideScope, succeed, unnestRows } from '@keypool/platform';
import { DeliveryRule, DeliverySetting, defaultDeliverySetting } from './delivery-rule';
import { ProductDeliveryEntity } from './product-delivery.entity';

const settingKey = (merchantId: string, productId: string) => `${merchantId}\u0000${productId}`;

export interface DeliverySettingRow {
  merchant_id: string;
  product_id: string;
  rule: DeliveryRule;
  show_on_order_page: boolean;
  renewal_requires_same_customer: boolean;
}

/** The statement reading the saved settings of the products in `from`, rows aliased `k` (merchant_id, product_id). */
export const deliverySettingsStatement = (from: string) =>
  `SELECT d.merchant_id, d.product_id, d.rule, d.show_on_order_page, d.renewal_requires_same_customer
     FROM product_delivery d JOIN ${from} ON d.merchant_id = k.merchant_id AND d.product_id = k.product_id`;

/** Each product's saved setting, by merchant and product; products without one are absent. */
export function deliverySettingLookup(rows: DeliverySettingRow[]): (merchantId: string, productId: string) => DeliverySetting | undefined {
  const byProduct = new Map(
    rows.map((r) => [
      settingKey(r.merchant_id, r.product_id),
      { rule: r.rule, showOnOrderPage: r.show_on_order_page, renewalRequiresSameCustomer: r.renewal_requires_same_customer },
    ]),
  );
  return (merchantId, productId) => byProduct.get(settingKey(merchantId, productId));
}

/** The saved settings of the given products in one query; products without one are absent. */
export async function deliverySettingsOf(
  manager: EntityManager,
  products: { merchantId: string; productId: string }[],
): Promise<(merchantId: string, productId: string) => DeliverySetting | undefined> {
  const k = unnestRows(products, PRODUCT_COLUMNS, { alias: 'k' });
  const rows: DeliverySettingRow[] = products.length === 0 ? [] : await manager.query(deliverySettingsStatement(k.from), k.parameters);
  return deliverySettingLookup(rows);
}

export const PRODUCT_COLUMNS = {
  merchant_id: ['text', (p: { merchantId: string }) => p.merchantId],
  product_id: ['text', (p: { productId: string }) => p.productId],
} as const;

export interface ProductDeliveryView extends DeliverySetting {
  merchantId: string;
  productId: string;
  /** True while the merchant has not chosen: the defaults apply. */
  isDefault: boolean;
  updatedAt: Date | null;
}

async function readDeliverySetting(manager: EntityManager, merchantId: string, productId: string): Promise<ProductDeliveryView> {
  const saved = await manager.findOneBy(ProductDeliveryEntity, { merchantId, productId });
  if (!saved) return { merchantId, productId, ...defaultDeliverySetting, isDefault: true, updatedAt: null };
  return {
    merchantId,
    productId,
    rule: saved.rule,
    showOnOrderPage: saved.showOnOrderPage,
    renewalRequiresSameCustomer: saved.renewalRequiresSameCustomer,
    isDefault: false,
    updatedAt: saved.updatedAt,
  };
}

/**
 * A product's delivery setting as its merchant (or support) reads it: the saved choice, or the
 * defaults while there is none. Another merchant's product answers like a missing merchant.
 */
@Injectable()
export class ReadDeliverySetting {
  constructor(private readonly dataSource: DataSource) {}

  async read(caller: Caller, merchantId: string, productId: string): Promise<Result<ProductDeliveryView, 'not_found'>> {
    return outsideScope(caller, merchantId) ?? succeed(await readDeliverySetting(this.dataSource.manager, merchantId, productId));
  }
}

/** Saves a product's delivery setting; it applies to orders received from now on, lines already received keep the count they were asked with. */
@Injectable()
export class SaveDeliverySetting {
  constructor(private readonly dataSource: DataSource) {}

  async save(caller: Caller, merchantId: string, productId: string, setting: DeliverySetting): Promise<Result<ProductDeliveryView, 'not_found'>> {
    const refused = outsideScope(caller, merchantId);
    if (refused) return refused;
    return succeed(
      await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO product_delivery (merchant_id, product_id, rule, show_on_order_page, renewal_requires_same_customer, updated_at)
           VALUES ($1, $2, $3, $4, $5, now())
           ON CONFLICT (merchant_id, product_id) DO UPDATE
             SET rule = EXCLUDED.rule, show_on_order_page = EXCLUDED.show_on_order_page,
                 renewal_requires_same_customer = EXCLUDED.renewal_requires_same_customer, updated_at = now()`,
          [merchantId, productId, setting.rule, setting.showOnOrderPage, setting.renewalRequiresSameCustomer],
        );
        return readDeliverySetting(manager, merchantId, productId);
      }),
    );
  }
}
