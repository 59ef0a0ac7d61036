import type { AllocationRequestedData, License, OrderLine, OrderPaidData } from '@keypool/contracts';
import { ParentOrder, lookUpParent, parentLicensesForLine, renewalNotes } from './renewal';
import { DeliveryRule, DeliverySetting, defaultDeliverySetting, licenseCountFor } from '../delivery/delivery-rule';

export interface PlannedLine {
  lineId: string;
  position: number;
  productId: string;
  item: OrderLine;
  rule: DeliveryRule;
  licenseCount: number;
}

export interface OrderPlan {
  lines: PlannedLine[];
  requests: AllocationRequestedData[];
  /** Things support should know when reading the order, e.g. a renewal of an unknown order. */
  notes: string[];
}

/**
 * Turns a paid order into its lines and one allocation request per line. `parent` is the stored
 * order that `parentOrderId` names, if this service has it; each line of a renewal gets only the
 * parent's licenses of its own product, and only from the same merchant (see renewal.ts).
 */
export function planOrder(order: OrderPaidData, settingOf: (productId: string) => DeliverySetting | undefined, parent: ParentOrder | undefined): OrderPlan {
  const parentLookup = lookUpParent({ merchantId: order.merchantId, customerEmail: order.customer.email }, order.parentOrderId, parent);
  const lines = order.items.map((item, position) => {
    const setting = settingOf(item.productId) ?? defaultDeliverySetting;
    const parentLicenses: License[] = parentLicensesForLine(parentLookup, item.productId, setting.renewalRequiresSameCustomer);
    return {
      lineId: item.lineId,
      position,
      productId: item.productId,
      item,
      rule: setting.rule,
      licenseCount: licenseCountFor(setting.rule, item.quantity),
      requireSameCustomer: setting.renewalRequiresSameCustomer,
      parentLicenses,
    };
  });
  const requests = lines.map((line) => ({
    orderId: order.orderId,
    merchantId: order.merchantId,
    lineId: line.lineId,
    productId: line.productId,
    currency: order.currency,
    test: order.test ?? false,
    paidAt: order.paidAt,
    licenseFor: order.licenseFor ?? null,
    customer: order.customer,
    item: line.item,
    licenseCount: line.licenseCount,
    parentLicenses: line.parentLicenses,
  }));
  const planned = lines.map(({ lineId, position, productId, item, rule, licenseCount }) => ({ lineId, position, productId, item, rule, licenseCount }));
  return { lines: planned, requests, notes: renewalNotes(parentLookup, lines) };
}

/** Line ids name the lines in every later event, so two lines may not share one. */
export function repeatedLineId(order: OrderPaidData): string | undefined {
  const seen = new Set<string>();
  for (const [index, item] of order.items.entries()) {
    if (seen.has(item.lineId)) return `data.items[${index}].lineId: repeats line ${JSON.stringify(item.lineId)} of the same order`;
    seen.add(item.lineId);
  }
  return undefined;
}
