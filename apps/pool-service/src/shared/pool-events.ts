import type { AllocationDeferredData, AllocationRequestedData, License, LicenseAllocatedData, PoolLowData, Topics } from '@keypool/contracts';
import { dataschemaOf } from '@keypool/contracts';
import { Envelope, OutgoingEvent, envelope } from '@keypool/messaging';
import type { AllocationRow } from '../allocation/allocation.entity';

export const SOURCE = 'keypool/pool-service';

/** Builds the events pool-service publishes, keyed as the contract says (orderId, or poolId for PoolLow). */
export class PoolEvents {
  constructor(private readonly topics: Topics) {}

  licenseAllocatedEnvelope(request: AllocationRequestedData, poolId: string, licenses: License[]): Envelope<LicenseAllocatedData> {
    const data: LicenseAllocatedData = {
      orderId: request.orderId,
      merchantId: request.merchantId,
      lineId: request.lineId,
      productId: request.productId,
      currency: request.currency,
      test: request.test,
      paidAt: request.paidAt,
      licenseFor: request.licenseFor ?? null,
      customer: request.customer,
      item: request.item,
      poolId,
      licenses,
      parentLicenses: request.parentLicenses,
    };
    return envelope({ type: 'LicenseAllocated', source: SOURCE, dataschema: dataschemaOf('LicenseAllocated'), data });
  }

  /** The stored envelope goes out again unchanged: same id, same licenses. */
  licenseAllocated(stored: Envelope<LicenseAllocatedData>): OutgoingEvent {
    return { topic: this.topics.licenseAllocated, key: stored.data.orderId, aggregateType: 'order-line', envelope: stored };
  }

  private allocationDeferred(data: Omit<AllocationDeferredData, 'deferredAt'>): OutgoingEvent {
    const full: AllocationDeferredData = { ...data, deferredAt: new Date().toISOString() };
    return {
      topic: this.topics.allocationDeferred,
      key: data.orderId,
      aggregateType: 'order-line',
      envelope: envelope({ type: 'AllocationDeferred', source: SOURCE, dataschema: dataschemaOf('AllocationDeferred'), data: full }),
    };
  }

  /** Tells order-fulfillment why a line waits: no pool routes it, or its pool has too little stock. */
  heldLine(line: Pick<AllocationRow, 'order_id' | 'merchant_id' | 'line_id' | 'product_id' | 'status' | 'pool_id'>, reason: string): OutgoingEvent {
    return this.allocationDeferred({
      orderId: line.order_id,
      merchantId: line.merchant_id,
      lineId: line.line_id,
      productId: line.product_id,
      status: line.status === 'unroutable' ? 'unroutable' : 'awaiting_stock',
      reason,
      poolId: line.pool_id,
    });
  }

  poolLow(data: PoolLowData): OutgoingEvent {
    return {
      topic: this.topics.poolLow,
      key: data.poolId,
      aggregateType: 'pool',
      envelope: envelope({ type: 'PoolLow', source: SOURCE, dataschema: dataschemaOf('PoolLow'), data }),
    };
  }
}
