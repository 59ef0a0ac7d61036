import type {
  AllocationDeferredData,
  AllocationRequestedData,
  License,
  LicenseAllocatedData,
  LicenseRevokedData,
  PoolLowData,
  Topics,
} from '@keypool/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { TOPICS } from '@keypool/platform';
import { Envelope, OutgoingEvent, contractEvent, republishedEvent } from '@keypool/messaging';
import type { AllocationRow } from '../allocation/allocation.entity';

const producer = 'pool-service';

/** Builds the events pool-service publishes; contractEvent derives topic, key and attributes from the contract. */
@Injectable()
export class PoolEvents {
  constructor(@Inject(TOPICS) private readonly topics: Topics) {}

  licenseAllocated(request: AllocationRequestedData, poolId: string, licenses: License[]): OutgoingEvent<LicenseAllocatedData> {
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
    return contractEvent('LicenseAllocated', data, { producer, topics: this.topics });
  }

  /** The stored envelope goes out again unchanged: same id, same licenses. */
  licenseAllocatedAgain(stored: Envelope<LicenseAllocatedData>): OutgoingEvent<LicenseAllocatedData> {
    return republishedEvent('LicenseAllocated', stored, this.topics);
  }

  private allocationDeferred(data: Omit<AllocationDeferredData, 'deferredAt'>): OutgoingEvent<AllocationDeferredData> {
    return contractEvent('AllocationDeferred', { ...data, deferredAt: new Date().toISOString() }, { producer, topics: this.topics });
  }

  /** Tells order-fulfillment why a line waits: no pool routes it, or its pool has too little stock. */
  heldLine(
    line: Pick<AllocationRow, 'order_id' | 'merchant_id' | 'line_id' | 'product_id' | 'status' | 'pool_id'>,
    reason: string,
  ): OutgoingEvent<AllocationDeferredData> {
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

  poolLow(data: PoolLowData): OutgoingEvent<PoolLowData> {
    return contractEvent('PoolLow', data, { producer, topics: this.topics });
  }

  licenseRevoked(data: LicenseRevokedData): OutgoingEvent<LicenseRevokedData> {
    return contractEvent('LicenseRevoked', data, { producer, topics: this.topics });
  }
}
