import type { InboundEventOf, Tx } from '@keypool/messaging';
import { applyLineOutcomes } from '../orders/line-changes';
import { lockOrders } from '../orders/order-locks';

/** Shows why a line waits: awaiting_stock or unroutable, with the pool's reason. */
export async function recordDeferrals(tx: Tx, events: InboundEventOf<'AllocationDeferred'>[]): Promise<number> {
  const deferrals = events.map((e) => ({ eventId: e.envelope.id, data: e.envelope.data }));
  await lockOrders(tx.manager, deferrals.map((d) => d.data.orderId));
  const changed = await applyLineOutcomes(
    tx.manager,
    'AllocationDeferred',
    deferrals.map(({ eventId, data }) => ({
      orderId: data.orderId,
      lineId: data.lineId,
      eventId,
      outcome: { kind: 'deferred', status: data.status, reason: data.reason },
    })),
  );
  return changed.length;
}
