import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, type Result, SecretBox, succeed, visibleTo } from '@keypool/platform';
import { ProductDeliveryEntity } from '../delivery/product-delivery.entity';
import { EmailRecordEntity, OrderEntity, OrderLineEntity, StatusChangeEntity } from '../orders/order.entity';
import { lineKey } from '../orders/order-locks';
import { readLicenses } from '../orders/saved-licenses';
import { maskLicense } from './license-mask';

/**
 * An order as support and its merchant read it. License values are masked, for support too;
 * the merchant sees them only for products set to show them on the order page (the flag the
 * customer-facing page follows). Anyone else reads them through the audited reveal.
 */
@Injectable()
export class ReadOrder {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
  ) {}

  /**
   * One snapshot for the whole view (a REPEATABLE READ transaction): read as separate statements
   * on separate connections, a line's status could already show a change whose history row the
   * earlier history read had not seen (email_failed with no email_failed in its history).
   */
  async read(caller: Caller, orderId: string): Promise<Result<OrderView, 'not_found'>> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const found = visibleTo(caller, await manager.findOneBy(OrderEntity, { orderId }), `order ${orderId}`);
      return found.ok ? succeed(await viewOf(manager, this.cipher, caller, found.value)) : found;
    });
  }
}

async function viewOf(manager: EntityManager, cipher: SecretBox, caller: Caller, order: OrderEntity) {
  const { orderId } = order;
  const [lines, history, emails, visible, licenses] = await Promise.all([
    manager.find(OrderLineEntity, { where: { orderId }, order: { position: 'ASC' } }),
    manager.find(StatusChangeEntity, { where: { orderId }, order: { seq: 'ASC' } }),
    manager.find(EmailRecordEntity, { where: { orderId }, order: { seq: 'ASC' } }),
    productsShownOnOrderPage(manager, order.merchantId),
    readLicenses(manager, cipher, [orderId]),
  ]);
  const historyOf = (lineId: string | null) =>
    history.filter((h) => h.lineId === lineId).map((h) => ({ status: h.status, ...(h.reason ? { reason: h.reason } : {}), at: h.at }));
  return {
    orderId: order.orderId,
    merchantId: order.merchantId,
    // A refund shows instead of the fulfillment status, which stays in fulfillmentStatus.
    status: order.refundStatus ?? order.status,
    fulfillmentStatus: order.status,
    refundStatus: order.refundStatus,
    receivedAt: order.receivedAt,
    fulfilledAt: order.fulfilledAt,
    statusHistory: historyOf(null),
    currency: order.currency,
    test: order.test,
    paidAt: order.paidAt,
    parentOrderId: order.parentOrderId,
    licenseFor: order.licenseFor,
    customer: order.customer,
    notes: order.notes,
    lines: lines.map((line) => {
      const showValues = caller.kind === 'merchant' && visible.has(line.productId);
      return {
        lineId: line.lineId,
        productId: line.productId,
        productName: line.item.productName,
        quantity: line.item.quantity,
        deliveryRule: line.deliveryRule,
        licenseCount: line.licenseCount,
        status: line.status,
        statusReason: line.statusReason,
        statusAt: line.statusAt,
        refundedAt: line.refundedAt,
        refundReason: line.refundReason,
        statusHistory: historyOf(line.lineId),
        poolId: line.poolId,
        licensesMasked: !showValues,
        licenses: (licenses.get(lineKey(line.orderId, line.lineId)) ?? []).map((license) => ({
          licenseId: license.licenseId,
          value: showValues ? license.value : maskLicense(license.value),
        })),
      };
    }),
    emails: emails.map((e) => ({
      lineId: e.lineId,
      kind: e.kind,
      eventId: e.eventId,
      resend: e.resend,
      to: e.recipient,
      licenseIds: e.licenseIds,
      providerMessageId: e.providerMessageId,
      reason: e.reason,
      permanent: e.permanent,
      attempts: e.attempts,
      statusCode: e.statusCode,
      requestedBy: e.requestedBy,
      at: e.at,
    })),
  };
}

export type OrderView = Awaited<ReturnType<typeof viewOf>>;

async function productsShownOnOrderPage(manager: EntityManager, merchantId: string): Promise<Set<string>> {
  const rows = await manager.find(ProductDeliveryEntity, { where: { merchantId, showOnOrderPage: true }, select: { productId: true } });
  return new Set(rows.map((r) => r.productId));
}
