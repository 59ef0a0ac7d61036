import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LicenseAllocatedData, Topics } from '@keypool/contracts';
import { Messaging, contractEvent, type Tx } from '@keypool/messaging';
import { type Caller, type Result, SecretBox, TOPICS, fail, succeed, unnestRows, visibleTo } from '@keypool/platform';
import { FulfillmentMetrics } from '../metrics/fulfillment-metrics';
import { OrderEntity, OrderLineEntity } from '../orders/order.entity';
import { lineKey } from '../orders/order-locks';
import { parentOrdersOf, readLicenses } from '../orders/saved-licenses';
import { deliverySettingsOf } from '../delivery/delivery-settings';
import { defaultDeliverySetting } from '../delivery/delivery-rule';
import { lookUpParent, parentLicensesForLine } from '../intake/renewal';
import { noLicensesYet } from './resend-plan';

export interface ResendRequest {
  caller: Caller;
  orderId: string;
  /** Absent: every line of the order that has licenses. */
  lineId?: string;
}

export interface ResentLine {
  lineId: string;
  eventId: string;
  resendof: string;
}

export interface Resent {
  resent: ResentLine[];
  skipped: { lineId: string; message: string }[];
}

/**
 * Publishes, per line, a new LicenseAllocated that repeats the original (`resendof`) with the
 * saved licenses and order data: notification e-mails it again; nothing is allocated anew and
 * no order or line status changes.
 */
@Injectable()
export class ResendLicenses {
  constructor(
    private readonly messaging: Messaging,
    private readonly cipher: SecretBox,
    private readonly metrics: FulfillmentMetrics,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  resend(request: ResendRequest): Promise<Result<Resent, 'not_found' | 'conflict'>> {
    return this.messaging.transactions.run((tx) => this.resendIn(tx, request));
  }

  private async resendIn(tx: Tx, request: ResendRequest): Promise<Result<Resent, 'not_found' | 'conflict'>> {
    const { manager } = tx;
    const found = visibleTo(request.caller, await manager.findOneBy(OrderEntity, { orderId: request.orderId }), `order ${request.orderId}`);
    if (!found.ok) return found;
    const order = found.value;
    const lines = await manager.find(OrderLineEntity, {
      where: { orderId: order.orderId, ...(request.lineId !== undefined ? { lineId: request.lineId } : {}) },
      order: { position: 'ASC' },
    });
    if (lines.length === 0) return fail('not_found', `order ${order.orderId} has no line ${request.lineId}`);

    const licenses = await readLicenses(manager, this.cipher, [order.orderId]);
    const ready = lines.filter((line) => line.allocationEventId && licenses.get(lineKey(line.orderId, line.lineId))?.length);
    const skipped = lines.filter((line) => !ready.includes(line)).map((line) => ({ lineId: line.lineId, message: noLicensesYet(line) }));
    if (ready.length === 0) {
      const message =
        request.lineId !== undefined ? skipped[0].message : `order ${order.orderId} has no licenses to resend yet: ${skipped.map((s) => s.message).join('; ')}`;
      return fail('conflict', message);
    }

    const parentLicensesOf = await parentLicensesFor(manager, this.cipher, order, ready);
    const events = ready.map((line) => {
      const data: LicenseAllocatedData = {
        orderId: order.orderId,
        merchantId: order.merchantId,
        lineId: line.lineId,
        productId: line.productId,
        currency: order.currency,
        test: order.test,
        paidAt: order.paidAt.toISOString(),
        licenseFor: order.licenseFor,
        customer: order.customer,
        item: line.item,
        poolId: line.poolId!,
        licenses: licenses.get(lineKey(line.orderId, line.lineId))!,
        parentLicenses: parentLicensesOf(line.productId),
      };
      return contractEvent('LicenseAllocated', data, { producer: 'order-fulfillment-service', topics: this.topics, resendof: line.allocationEventId! });
    });
    tx.publish(...events);
    await recordResendRequests(
      manager,
      order,
      events.map((e) => e.envelope),
      request.caller,
    );
    const resent = events.map((e) => ({ lineId: e.envelope.data.lineId, eventId: e.envelope.id, resendof: e.envelope.resendof! }));
    tx.afterCommit(() => this.metrics.resends.inc(resent.length));
    return succeed({ resent, skipped });
  }
}

/** The same choice as at intake: only the same merchant's parent, only the line's own product. */
async function parentLicensesFor(manager: EntityManager, cipher: SecretBox, order: OrderEntity, lines: OrderLineEntity[]) {
  if (!order.parentOrderId) return () => [];
  const parent = (await parentOrdersOf(manager, cipher, [order.parentOrderId])).get(order.parentOrderId);
  const lookup = lookUpParent({ merchantId: order.merchantId, customerEmail: order.customer.email }, order.parentOrderId, parent);
  const settingOf = await deliverySettingsOf(
    manager,
    lines.map((l) => ({ merchantId: order.merchantId, productId: l.productId })),
  );
  return (productId: string) =>
    parentLicensesForLine(lookup, productId, (settingOf(order.merchantId, productId) ?? defaultDeliverySetting).renewalRequiresSameCustomer);
}

async function recordResendRequests(
  manager: EntityManager,
  order: OrderEntity,
  resends: { id: string; data: LicenseAllocatedData }[],
  caller: Caller,
): Promise<void> {
  const requestedBy = caller.kind === 'support' ? 'support' : `merchant ${caller.merchantId}`;
  const u = unnestRows(
    resends,
    {
      line_id: ['text', (r) => r.data.lineId],
      event_id: ['text', (r) => r.id],
      license_ids: ['text', (r) => JSON.stringify(r.data.licenses.map((l) => l.licenseId))],
    },
    { first: 4 },
  );
  await manager.query(
    `INSERT INTO email_history (order_id, line_id, kind, event_id, resend, recipient, license_ids, requested_by, at)
     SELECT $1, u.line_id, 'resend_requested', u.event_id, true, $2, ARRAY(SELECT jsonb_array_elements_text(u.license_ids::jsonb)), $3, now()
       FROM ${u.from}`,
    [order.orderId, order.customer.email, requestedBy, ...u.parameters],
  );
}
