import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { LicenseAllocatedData, Topics } from '@keypool/contracts';
import { type InboundEventOf, type Tx, strictLiteral } from '@keypool/messaging';
import { SecretBox, TOPICS, statementsInOneRoundTrip } from '@keypool/platform';
import { lineLicenseContext } from '../keys/sealed-columns';
import { lineHeldStatus, orderLineHeld } from '../orders/line-held-events';
import {
  LineOutcomeEvent,
  LineTransition,
  LineWrite,
  RowSource,
  StatusChange,
  foldLineOutcomes,
  lineChangeMembers,
  literalRowsOf,
  lockOrdersAndReadLines,
} from '../orders/line-changes';
import type { LineState } from '../orders/line-status';
import { lineKey } from '../orders/order-locks';

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
    const outcomes: LineOutcomeEvent[] = originals.map(({ eventId, data }) => ({
      orderId: data.orderId,
      lineId: data.lineId,
      eventId,
      outcome: { kind: 'allocated' },
    }));
    const { states } = await lockOrdersAndReadLines(
      tx.manager,
      outcomes.map((o) => o.orderId),
      outcomes,
    );
    const { changed, history } = foldLineOutcomes(states, 'LicenseAllocated', outcomes);
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
    const claimed = await saveAllocations(tx.manager, this.cipher, changed, history, firstPerLine);
    const toSave = firstPerLine.filter((o) => claimed.has(o.eventId));
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

/**
 * One statement: the lines' new states and their history, the allocation event on lines that
 * have none yet, and the licenses (sealed) of exactly the allocations that won their line.
 * Returns the event ids that won a line.
 *
 * Its rows go as literals (literalRows; sealed values as decode of their hex), not as array
 * parameters, which node-postgres builds element by element at about twice the allocation (see
 * storeOrders in order-paid.handler.ts).
 */
async function saveAllocations(
  manager: EntityManager,
  cipher: SecretBox,
  changed: (LineTransition & LineState)[],
  history: StatusChange[],
  allocations: { eventId: string; data: LicenseAllocatedData }[],
): Promise<Set<string>> {
  const writes = new Map<string, LineWrite>();
  for (const { orderId, lineId, status, reason } of changed) writes.set(lineKey(orderId, lineId), { orderId, lineId, state: { status, reason } });
  for (const { eventId, data } of allocations) {
    const key = lineKey(data.orderId, data.lineId);
    writes.set(key, { orderId: data.orderId, lineId: data.lineId, ...writes.get(key), allocation: { eventId, poolId: data.poolId } });
  }
  const licenses = allocations.flatMap(({ data }) =>
    data.licenses.map((license, position) => ({ orderId: data.orderId, lineId: data.lineId, license, position })),
  );
  const [rows] = await statementsInOneRoundTrip(manager, strictLiteral, (literal) => {
    const rowsOf = literalRowsOf(literal);
    const members = lineChangeMembers(rowsOf, [...writes.values()], history);
    if (licenses.length > 0) members.push(licensesMember(rowsOf, cipher, licenses));
    return [`WITH ${members.join(',\n')} SELECT order_id, line_id FROM lines_written WHERE claimed`];
  });
  const won = new Set((rows as unknown as { order_id: string; line_id: string }[]).map((r) => lineKey(r.order_id, r.line_id)));
  return new Set(allocations.filter(({ data }) => won.has(lineKey(data.orderId, data.lineId))).map((a) => a.eventId));
}

function licensesMember(
  rowsOf: RowSource,
  cipher: SecretBox,
  licenses: { orderId: string; lineId: string; license: LicenseAllocatedData['licenses'][number]; position: number }[],
): string {
  const u = rowsOf(
    licenses,
    {
      order_id: ['text', (r) => r.orderId],
      line_id: ['text', (r) => r.lineId],
      position: ['int', (r) => r.position],
      license_id: ['text', (r) => r.license.licenseId],
      value_sealed: ['bytea', (r) => cipher.encrypt(r.license.value, lineLicenseContext(r.orderId, r.lineId, r.license.licenseId))],
    },
    'v',
  );
  return `licenses_written AS (
      INSERT INTO line_licenses (${u.columns})
      SELECT v.order_id, v.line_id, v.position, v.license_id, v.value_sealed
        FROM ${u.from} JOIN lines_written c ON c.order_id = v.order_id AND c.line_id = v.line_id AND c.claimed
      ON CONFLICT DO NOTHING
    )`;
}
