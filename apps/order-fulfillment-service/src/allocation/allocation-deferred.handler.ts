import type { AllocationDeferredData } from '@keypool/contracts';
import { InboundEvent, PermanentFailure, Tx } from '@keypool/messaging';
import { applyLineOutcomes, describeLines } from '../orders/line-changes';
import { lockOrders } from '../orders/order-locks';

/** Shows why a line waits: awaiting_stock or unroutable, with the pool's reason. */
export async function recordDeferrals(tx: Tx, events: InboundEvent[]): Promise<number> {
  const deferrals = events.map((e) => ({ eventId: e.envelope.id, data: e.envelope.data as unknown as AllocationDeferredData }));
  await lockOrders(tx.manager, deferrals.map((d) => d.data.orderId));
  const { changed, unknown } = await applyLineOutcomes(
    tx.manager,
    deferrals.map(({ eventId, data }) => ({
      orderId: data.orderId,
      lineId: data.lineId,
      eventId,
      outcome: { kind: 'deferred', status: data.status, reason: data.reason },
    })),
  );
  if (unknown.length > 0) throw new PermanentFailure(`AllocationDeferred for ${describeLines(unknown)}, which this service never received`);
  return changed.length;
}
