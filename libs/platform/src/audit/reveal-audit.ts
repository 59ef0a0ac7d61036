import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import type { Caller, KeyHolder } from '../auth/caller';
import { listedMerchant } from '../auth/merchant-scope';

/** What a reveal must say about itself: a person's reason, long enough to mean something. */
export const REVEAL_REASON = { min: 10, max: 500 } as const;

/** One reveal of license values: who (the key's id), when, which licenses of which merchant, and why. */
export interface RevealRecord {
  merchantId: string;
  /** What was revealed: a pool's license, or an order line's licenses. */
  subject: { kind: 'license'; poolId: string; licenseId: string } | { kind: 'order_line'; orderId: string; lineId: string };
  licenseIds: string[];
  reason: string;
}

export interface RevealEntry extends RevealRecord {
  id: string;
  at: string;
  keyId: string;
  callerKind: KeyHolder['kind'];
}

/** The append-only reveal log each service that holds license values keeps in its database. */
export async function createRevealAuditTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE reveal_audit (
      id           bigserial   PRIMARY KEY,
      at           timestamptz NOT NULL DEFAULT now(),
      key_id       text        NOT NULL,
      caller_kind  text        NOT NULL,
      merchant_id  text        NOT NULL,
      subject      jsonb       NOT NULL,
      license_ids  text[]      NOT NULL,
      reason       text        NOT NULL
    )`);
  await queryRunner.query(`CREATE INDEX reveal_audit_by_merchant ON reveal_audit (merchant_id, id)`);
}

export async function dropRevealAuditTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`DROP TABLE reveal_audit`);
}

/** Records a reveal; call it in the transaction that reads the values, so no value leaves unrecorded. */
export async function recordReveal(manager: EntityManager, caller: KeyHolder, record: RevealRecord): Promise<string> {
  const [{ id }]: { id: string }[] = await manager.query(
    `INSERT INTO reveal_audit (key_id, caller_kind, merchant_id, subject, license_ids, reason)
     VALUES ($1, $2, $3, $4::jsonb, $5::text[], $6) RETURNING id`,
    [caller.keyId ?? 'unknown', caller.kind, record.merchantId, JSON.stringify(record.subject), record.licenseIds, record.reason],
  );
  return String(id);
}

export interface RevealAuditPage {
  items: RevealEntry[];
  nextCursor: string | null;
}

/**
 * The reveal log, newest first: support reads all of it (or one merchant's), a merchant reads
 * only the entries about its own licenses, whoever revealed them.
 */
@Injectable()
export class ReadRevealAudit {
  constructor(private readonly dataSource: DataSource) {}

  read(caller: Caller, query: { merchantId?: string; before?: string; limit?: number }): Promise<RevealAuditPage> {
    return readRevealAudit(this.dataSource.manager, caller, { ...query, limit: query.limit ?? 100 });
  }
}

/**
 * The reveal log, newest first: support reads all of it (or one merchant's), a merchant reads
 * only the entries about its own licenses, whoever revealed them.
 */
export async function readRevealAudit(
  manager: EntityManager,
  caller: Caller,
  query: { merchantId?: string; before?: string; limit: number },
): Promise<RevealAuditPage> {
  const merchantId = listedMerchant(caller, query.merchantId) ?? null;
  const rows: {
    id: string;
    at: Date;
    key_id: string;
    caller_kind: KeyHolder['kind'];
    merchant_id: string;
    subject: RevealRecord['subject'];
    license_ids: string[];
    reason: string;
  }[] = await manager.query(
    `SELECT id, at, key_id, caller_kind, merchant_id, subject, license_ids, reason FROM reveal_audit
      WHERE ($1::text IS NULL OR merchant_id = $1) AND ($2::bigint IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [merchantId, query.before ?? null, query.limit + 1],
  );
  const items = rows.slice(0, query.limit).map((r) => ({
    id: String(r.id),
    at: r.at.toISOString(),
    keyId: r.key_id,
    callerKind: r.caller_kind,
    merchantId: r.merchant_id,
    subject: r.subject,
    licenseIds: r.license_ids,
    reason: r.reason,
  }));
  return { items, nextCursor: rows.length > query.limit ? items[items.length - 1].id : null };
}
