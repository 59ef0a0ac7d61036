import { Inject, Injectable } from '@nestjs/common';
import type { License, Topics } from '@keypool/contracts';
import { Messaging, contractEvent, type Tx } from '@keypool/messaging';
import { Type } from '@sinclair/typebox';
import { type Caller, REVEAL_REASON, type Result, SecretBox, TOPICS, fail, recordReveal, succeed, visibleTo } from '@keypool/platform';
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
 * The same transaction puts LicensesRevealed in the outbox, so pool-service's license ledger gets
 * a `revealed` entry per license for every audit entry (the reason stays here, in the audit log).
 */
@Injectable()
export class RevealLineLicenses {
  constructor(
    private readonly messaging: Messaging,
    private readonly cipher: SecretBox,
    @Inject(TOPICS) private readonly topics: Topics,
  ) {}

  async reveal(request: RevealLineRequest): Promise<Result<RevealedLine, 'invalid' | 'not_found' | 'conflict'>> {
    const reason = request.reason.trim();
    if (reason.length < REVEAL_REASON.min) {
      return fail('invalid', `body.reason: say why you need the value, in ${REVEAL_REASON.min}–${REVEAL_REASON.max} characters (e.g. a ticket number)`);
    }
    return this.messaging.transactions.run((tx) => this.revealIn(tx, { ...request, reason }));
  }

  private async revealIn(tx: Tx, request: RevealLineRequest): Promise<Result<RevealedLine, 'not_found' | 'conflict'>> {
    const { manager } = tx;
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
    tx.publish(
      contractEvent(
        'LicensesRevealed',
        {
          orderId: order.orderId,
          merchantId: order.merchantId,
          lineId: line.lineId,
          licenseIds: [...new Set(licenses.map((l) => l.licenseId))],
          auditId,
          callerKind: request.caller.kind,
          keyId: request.caller.keyId ?? null,
          revealedAt: new Date().toISOString(),
        },
        { producer: 'order-fulfillment-service', topics: this.topics },
      ),
    );
    return succeed({ orderId: order.orderId, lineId: line.lineId, licenses, auditId });
  }
}
