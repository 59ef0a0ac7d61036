import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LicenseAllocatedData, Topics } from '@keypool/contracts';
import type { InboundEventOf, Tx } from '@keypool/messaging';
import { SecretBox, TOPICS, unnestRows, updateReturning } from '@keypool/platform';
import { lineHeldStatus, orderLineHeld } from '../orders/line-held-events';
import { LineOutcomeEvent, applyLineOutcomes } from '../orders/line-changes';
import { lineKey, lockOrders } from '../orders/order-locks';
import { saveLicenses } from '../orders/saved-licenses';

export interface AllocationsResult {
  saved: number;
  /** Resends (ours or the support CLI's) repeat licenses already saved: no state change. */
  resendsIgnored: number;
  /** A second original allocation for a line that already has licenses: the first one is kept. */
  ignoredRepeats: { orderId: string; lineId: string; eventId: string }[];
}

/** Saves each line's licenses (sealed) from its original LicenseAllocated, marks it allocated, and tells the checkout a held line was served. */
@Injectable()
export class RecordAllocations {
  private readonly logger = new Logger('RecordAllocations');

  constructor(
    private readonly cipher: SecretBox,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async record(events: InboundEventOf<'LicenseAllocated'>[], tx: Tx): Promise<AllocationsResult> {
    const originals = events.filter((e) => !e.envelope.resendof).map((e) => ({ eventId: e.envelope.id, data: e.envelope.data }));
    const result: AllocationsResult = { saved: 0, resendsIgnored: events.length - originals.length, ignoredRepeats: [] };
    if (originals.length === 0) return result;
    await lockOrders(
      tx.manager,
      originals.map((o) => o.data.orderId),
    );
    const outcomes: LineOutcomeEvent[] = originals.map(({ eventId, data }) => ({
      orderId: data.orderId,
      lineId: data.lineId,
      eventId,
      outcome: { kind: 'allocated' },
    }));
    const changed = await applyLineOutcomes(tx.manager, 'LicenseAllocated', outcomes);
    const dataOf = new Map(originals.map(({ data }) => [lineKey(data.orderId, data.lineId), data]));
    const since = new Date().toISOString();
    for (const line of changed) {
      const status = lineHeldStatus(line.previous, line.status);
      const data = dataOf.get(lineKey(line.orderId, line.lineId))!;
      if (status)
        tx.publish(
          orderLineHeld({ orderId: data.orderId, merchantId: data.merchantId, lineId: data.lineId, productId: data.productId, status, since }, this.topics),
        );
    }

    // Reversed so that, of two originals for one line in this chunk, the earlier one wins.
    const firstPerLine = [...new Map([...originals].reverse().map((o) => [lineKey(o.data.orderId, o.data.lineId), o])).values()];
    const claimed = await claimLines(tx.manager, firstPerLine);
    const toSave = firstPerLine.filter((o) => claimed.has(o.eventId));
    await saveLicenses(
      tx.manager,
      this.cipher,
      toSave.map(({ data }) => ({ orderId: data.orderId, lineId: data.lineId, licenses: data.licenses })),
    );
    result.saved = toSave.length;
    result.ignoredRepeats = originals
      .filter((o) => !claimed.has(o.eventId))
      .map(({ eventId, data }) => ({ orderId: data.orderId, lineId: data.lineId, eventId }));
    tx.afterCommit(() => this.report(result));
    return result;
  }

  private report(result: AllocationsResult): void {
    for (const repeat of result.ignoredRepeats) this.logger.warn(repeat, 'second original LicenseAllocated for a line; the first one is kept');
  }
}

/** Records the allocation event on lines that have none yet; returns the event ids that won a line. */
async function claimLines(manager: EntityManager, allocations: { eventId: string; data: LicenseAllocatedData }[]): Promise<Set<string>> {
  const u = unnestRows(allocations, {
    order_id: ['text', (a) => a.data.orderId],
    line_id: ['text', (a) => a.data.lineId],
    event_id: ['text', (a) => a.eventId],
    pool_id: ['text', (a) => a.data.poolId],
  });
  const rows = await updateReturning<{ allocation_event_id: string }>(
    manager,
    `UPDATE order_lines l SET allocation_event_id = u.event_id, pool_id = u.pool_id
       FROM ${u.from}
      WHERE l.order_id = u.order_id AND l.line_id = u.line_id AND l.allocation_event_id IS NULL
      RETURNING l.allocation_event_id`,
    u.parameters,
  );
  return new Set(rows.map((r) => r.allocation_event_id));
}
