import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { License } from '@keypool/contracts';
import { Type } from '@sinclair/typebox';
import { type Caller, REVEAL_REASON, type Result, SecretBox, fail, recordReveal, succeed, visibleTo } from '@keypool/platform';
import { OrderEntity, OrderLineEntity } from '../orders/order.entity';
import { lineKey } from '../orders/order-locks';
import { readLicenses } from '../orders/saved-licenses';

export interface RevealLineRequest {
  caller: Caller;
  orderId: string;
  lineId: string;
  reason: string;
}

export interface RevealedLine {
  orderId: string;
  lineId: string;
  licenses: License[];
  auditId: string;
}

/** The body of a reveal: why the values are needed, e.g. a ticket number. */
export const RevealBody = Type.Object(
  { reason: Type.String({ minLength: REVEAL_REASON.min, maxLength: REVEAL_REASON.max, examples: ['ticket 4711: customer lost the e-mail'] }) },
  { additionalProperties: false },
);

/**
 * Shows the saved license values of one order line to its merchant or to support, and records
 * who asked, when and why in the same transaction: the values never leave without their entry.
 */
@Injectable()
export class RevealLineLicenses {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
  ) {}

  async reveal(request: RevealLineRequest): Promise<Result<RevealedLine, 'invalid' | 'not_found' | 'conflict'>> {
    const reason = request.reason.trim();
    if (reason.length < REVEAL_REASON.min) {
      return fail('invalid', `body.reason: say why you need the value, in ${REVEAL_REASON.min}–${REVEAL_REASON.max} characters (e.g. a ticket number)`);
    }
    return this.dataSource.transaction((manager) => this.revealIn(manager, { ...request, reason }));
  }

  private async revealIn(manager: EntityManager, request: RevealLineRequest): Promise<Result<RevealedLine, 'not_found' | 'conflict'>> {
    const found = visibleTo(request.caller, await manager.findOneBy(OrderEntity, { orderId: request.orderId }), `order ${request.orderId}`);
    if (!found.ok) return found;
    const order = found.value;
    const line = await manager.findOneBy(OrderLineEntity, { orderId: order.orderId, lineId: request.lineId });
    if (!line) return fail('not_found', `order ${order.orderId} has no line ${request.lineId}`);
    const licenses = (await readLicenses(manager, this.cipher, [order.orderId])).get(lineKey(order.orderId, line.lineId)) ?? [];
    if (licenses.length === 0) return fail('conflict', `line ${line.lineId} has no licenses yet (status ${line.status})`);
    const auditId = await recordReveal(manager, request.caller, {
      merchantId: order.merchantId,
      subject: { kind: 'order_line', orderId: order.orderId, lineId: line.lineId },
      licenseIds: licenses.map((l) => l.licenseId),
      reason: request.reason,
    });
    return succeed({ orderId: order.orderId, lineId: line.lineId, licenses, auditId });
  }
}
