import type { AllocationRequestedData, License, OrderLine, OrderPaidData } from '@keypool/contracts';
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
 * Turns a paid order into its lines and one allocation request per line. `parentLicenses` is
 * undefined when the order is a renewal of an order this service does not know.
 */
export function planOrder(order: OrderPaidData, settingOf: (productId: string) => DeliverySetting | undefined, parentLicenses: License[] | undefined): OrderPlan {
  const notes: string[] = [];
  const parentOrderId = order.parentOrderId ?? null;
  if (parentOrderId && parentLicenses === undefined) {
    notes.push(`renewal of order ${parentOrderId}, which this service does not know: sent without parent licenses ({PARENT_KEY} stays empty)`);
  } else if (parentOrderId && parentLicenses?.length === 0) {
    notes.push(`renewal of order ${parentOrderId}, which has no licenses yet: sent without parent licenses ({PARENT_KEY} stays empty)`);
  }
  const lines = order.items.map((item, position) => {
    const { rule } = settingOf(item.productId) ?? defaultDeliverySetting;
    return { lineId: item.lineId, position, productId: item.productId, item, rule, licenseCount: licenseCountFor(rule, item.quantity) };
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
    parentLicenses: parentLicenses ?? [],
  }));
  return { lines, requests, notes };
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
