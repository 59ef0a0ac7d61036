import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { License } from '@keypool/contracts';
import { Caller, SecretBox, canSee, recordReveal } from '@keypool/platform';
import { OrderEntity, OrderLineEntity } from '../orders/order.entity';
import { lineKey } from '../orders/order-locks';
import { readLicenses } from '../orders/saved-licenses';

export interface RevealLineRequest {
  caller: Caller;
  orderId: string;
  lineId: string;
  reason: string;
}

export type RevealOutcome =
  { ok: true; orderId: string; lineId: string; licenses: License[]; auditId: string } | { ok: false; status: 404 | 409; message: string };

/**
 * Shows the saved license values of one order line to its merchant or to support, and records
 * who asked, when and why in the same transaction: the values never leave without their entry.
 */
export async function revealLineLicenses(manager: EntityManager, cipher: SecretBox, request: RevealLineRequest): Promise<RevealOutcome> {
  const order = await manager.findOneBy(OrderEntity, { orderId: request.orderId });
  if (!order || !canSee(request.caller, order.merchantId)) return { ok: false, status: 404, message: `order ${request.orderId} not found` };
  const line = await manager.findOneBy(OrderLineEntity, { orderId: order.orderId, lineId: request.lineId });
  if (!line) return { ok: false, status: 404, message: `order ${order.orderId} has no line ${request.lineId}` };
  const licenses = (await readLicenses(manager, cipher, [order.orderId])).get(lineKey(order.orderId, line.lineId)) ?? [];
  if (licenses.length === 0) return { ok: false, status: 409, message: `line ${line.lineId} has no licenses yet (status ${line.status})` };
  const auditId = await recordReveal(manager, request.caller, {
    merchantId: order.merchantId,
    subject: { kind: 'order_line', orderId: order.orderId, lineId: line.lineId },
    licenseIds: licenses.map((l) => l.licenseId),
    reason: request.reason,
  });
  return { ok: true, orderId: order.orderId, lineId: line.lineId, licenses, auditId };
}

/** The reveal as a use case: one transaction for the read and its audit entry. */
@Injectable()
export class RevealLineLicenses {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
  ) {}

  reveal(request: RevealLineRequest): Promise<RevealOutcome> {
    return this.dataSource.transaction((manager) => revealLineLicenses(manager, this.cipher, request));
  }
}
