import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { License } from '@keypool/contracts';
import { type KeyHolder, type Result, SecretBox, fail, recordReveal, succeed } from '@keypool/platform';
import { ProductDeliveryEntity } from '../delivery/product-delivery.entity';
import { OrderEntity, OrderLineEntity } from '../orders/order.entity';
import type { LineStatus } from '../orders/line-status';
import { waitingForLicenses } from '../orders/line-status';
import { lineKey } from '../orders/order-locks';
import { readLicenses } from '../orders/saved-licenses';

/** The reason of the audit entry every license value shown on an order page leaves. */
export const ORDER_PAGE_REASON = 'order page';

export interface OrderPageLine {
  lineId: string;
  productId: string;
  productName: string;
  quantity: number;
  status: LineStatus;
  /** True while the line waits for licenses: the page can say "your key is on its way". */
  waiting: boolean;
  licenses: License[];
}

export interface OrderPage {
  orderId: string;
  lines: OrderPageLine[];
}

/**
 * What the customer's order page may show: the lines of products the merchant set to show on
 * it, with their license values, and nothing else of the order (no customer, notes, e-mails or
 * other lines). A refunded or cancelled line shows no values. Every line whose values are shown
 * leaves a reveal audit entry (reason "order page") in the same transaction as the read.
 * An unknown order and another merchant's answer alike.
 */
@Injectable()
export class ReadOrderPage {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
  ) {}

  read(holder: KeyHolder, orderId: string): Promise<Result<OrderPage, 'not_found'>> {
    return this.dataSource.transaction(async (manager) => {
      const order = await manager.findOneBy(OrderEntity, { orderId });
      if (!order || (holder.kind !== 'support' && holder.merchantId !== order.merchantId)) return fail('not_found', `order ${orderId} not found`);
      return succeed(await pageOf(manager, this.cipher, holder, order));
    });
  }
}

async function pageOf(manager: EntityManager, cipher: SecretBox, holder: KeyHolder, order: OrderEntity): Promise<OrderPage> {
  const { orderId } = order;
  const shown = await manager.find(ProductDeliveryEntity, { where: { merchantId: order.merchantId, showOnOrderPage: true }, select: { productId: true } });
  const products = new Set(shown.map((row) => row.productId));
  const lines = (await manager.find(OrderLineEntity, { where: { orderId }, order: { position: 'ASC' } })).filter((line) => products.has(line.productId));
  const licenses = lines.length ? await readLicenses(manager, cipher, [orderId]) : new Map<string, License[]>();
  const page: OrderPage = { orderId, lines: [] };
  for (const line of lines) {
    const values = line.refundedAt || line.status === 'cancelled' ? [] : (licenses.get(lineKey(orderId, line.lineId)) ?? []);
    if (values.length) {
      await recordReveal(manager, holder, {
        merchantId: order.merchantId,
        subject: { kind: 'order_line', orderId, lineId: line.lineId },
        licenseIds: values.map((license) => license.licenseId),
        reason: ORDER_PAGE_REASON,
      });
    }
    page.lines.push({
      lineId: line.lineId,
      productId: line.productId,
      productName: line.item.productName,
      quantity: line.item.quantity,
      status: line.status,
      waiting: waitingForLicenses.includes(line.status),
      licenses: values.map((license) => ({ licenseId: license.licenseId, value: license.value })),
    });
  }
  return page;
}
