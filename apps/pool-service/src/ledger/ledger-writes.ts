import type { EntityManager } from 'typeorm';
import type { EmailSentData } from '@keypool/contracts';
import { unnestRows } from '@keypool/platform';
import { isUuid } from '../shared/ids';

/**
 * Entries the license row cannot see, appended in the transaction of what they record. Status
 * changes (allocated, returned, revoked, withdrawn) are written by the license_ledger trigger.
 */

/** A reveal through pool-service, pointing at its reveal_audit entry (who, why). */
export async function appendRevealed(
  manager: EntityManager,
  licenseId: string,
  reveal: { auditId: string; keyId?: string; callerKind: string },
): Promise<void> {
  await manager.query(
    `INSERT INTO license_ledger (license_id, merchant_id, kind, detail)
     SELECT id, merchant_id, 'revealed', $2::jsonb FROM license WHERE id = $1`,
    [licenseId, JSON.stringify({ auditId: reveal.auditId, keyId: reveal.keyId ?? null, callerKind: reveal.callerKind })],
  );
}

/**
 * One entry per license of each EmailSent (kind resent for a resend), at the time it was sent.
 * Ids this database does not hold (or that are not uuids), and another merchant's licenses than
 * the event's, are skipped: the event names licenses, it does not create or reach across them.
 */
export async function appendEmailed(manager: EntityManager, emails: readonly EmailSentData[]): Promise<number> {
  const rows = emails.flatMap((e) =>
    e.licenseIds
      .filter(isUuid)
      .map((licenseId) => ({ licenseId, merchantId: e.merchantId, kind: e.resend ? 'resent' : 'emailed', at: e.sentAt, orderId: e.orderId, lineId: e.lineId })),
  );
  if (rows.length === 0) return 0;
  const e = unnestRows(
    rows,
    {
      license_id: ['uuid', (r) => r.licenseId],
      merchant_id: ['text', (r) => r.merchantId],
      kind: ['text', (r) => r.kind],
      at: ['timestamptz', (r) => r.at],
      order_id: ['text', (r) => r.orderId],
      line_id: ['text', (r) => r.lineId],
    },
    { alias: 'e' },
  );
  const [{ n }]: { n: number }[] = await manager.query(
    `WITH added AS (
       INSERT INTO license_ledger (license_id, merchant_id, kind, at, order_id, line_id)
       SELECT l.id, l.merchant_id, e.kind, e.at, e.order_id, e.line_id
         FROM ${e.from}
         JOIN license l ON l.id = e.license_id AND l.merchant_id = e.merchant_id
       RETURNING 1)
     SELECT count(*)::int AS n FROM added`,
    e.parameters,
  );
  return n;
}
