import { Inject, Injectable } from '@nestjs/common';
import type { Topics } from '@keypool/contracts';
import type { InboundEventOf, Tx } from '@keypool/messaging';
import { TOPICS } from '@keypool/platform';
import { lineHeldStatus, orderLineHeld } from '../orders/line-held-events';
import { applyLineOutcomes } from '../orders/line-changes';
import { lineKey } from '../orders/order-locks';

/** Shows why a line waits: awaiting_stock or unroutable, with the pool's reason; tells the checkout when a line starts waiting. */
@Injectable()
export class RecordDeferrals {
  constructor(@Inject(TOPICS) private readonly topics: Topics) {}

  async record(events: InboundEventOf<'AllocationDeferred'>[], tx: Tx): Promise<number> {
    const deferrals = events.map((e) => ({ eventId: e.envelope.id, data: e.envelope.data }));
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
    const dataOf = new Map(deferrals.map(({ data }) => [lineKey(data.orderId, data.lineId), data]));
    for (const line of changed) {
      const status = lineHeldStatus(line.previous, line.status);
      const data = dataOf.get(lineKey(line.orderId, line.lineId))!;
      if (status)
        tx.publish(
          orderLineHeld(
            { orderId: data.orderId, merchantId: data.merchantId, lineId: data.lineId, productId: data.productId, status, since: data.deferredAt },
            this.topics,
          ),
        );
    }
    return changed.length;
  }
}
