import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type Caller, type Result, fail, keyedHash, listedMerchant, succeed } from '@keypool/platform';
import { FindLicense, type LicenseDetail } from '../licenses/licenses.handler';
import { LICENSE_HASH_KEY, licenseHash } from '../licenses/license-hash';

/** Entries answered per license; a license with more says `more: true` (reveals are the only kind that can pile up). */
export const HISTORY_LIMIT = 1000;

export type LedgerKind = 'imported' | 'allocated' | 'emailed' | 'resent' | 'revealed' | 'withdrawn' | 'revoked' | 'returned' | 'status_changed';

/**
 * One thing that happened to a license. Besides these fields an entry carries its detail:
 * imported: uploadId, uploadLabel, keyId, callerKind (who imported it); revealed: auditId, keyId, callerKind; withdrawn: via (single,
 * bulk, recall), uploadId for a recall, keyId; returned and revoked: via refund, policy, reason.
 */
export interface LedgerEntry {
  at: string;
  kind: LedgerKind;
  orderId: string | null;
  lineId: string | null;
  [detail: string]: unknown;
}

export interface LicenseHistory {
  license: LicenseDetail & { uploadId: string | null };
  history: LedgerEntry[];
  /** More entries than HISTORY_LIMIT: the oldest are shown. */
  more: boolean;
}

interface EntryRow {
  at: Date;
  kind: LedgerKind;
  order_id: string | null;
  line_id: string | null;
  detail: Record<string, unknown>;
}

/** One license's history by id, for its merchant or support (another merchant's license is not found). */
@Injectable()
export class ReadLicenseHistory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly licenses: FindLicense,
  ) {}

  async read(caller: Caller, licenseId: string): Promise<Result<LicenseHistory, 'not_found'>> {
    const license = await this.licenses.find(caller, licenseId);
    return license.ok ? succeed(await historyOf(this.dataSource.manager, license.value)) : license;
  }
}

/**
 * Which license a value is, and its history. A merchant finds only its own licenses (naming
 * another merchant finds nothing); support finds any merchant's, or one merchant's, and is asked
 * to name the merchant when several hold the value.
 */
@Injectable()
export class LookupLicenseByValue {
  constructor(
    private readonly dataSource: DataSource,
    private readonly licenses: FindLicense,
    @Inject(LICENSE_HASH_KEY) private readonly hashKey: Buffer,
  ) {}

  async lookup(caller: Caller, value: string, named: string | undefined): Promise<Result<LicenseHistory, 'not_found' | 'conflict'>> {
    if (caller.kind === 'merchant' && named !== undefined && named !== caller.merchantId) return fail('not_found', NOT_FOUND);
    const merchantId = listedMerchant(caller, named);
    const found = await findByValue(this.dataSource.manager, this.hashKey, value, merchantId);
    if (found.length === 0) return fail('not_found', NOT_FOUND);
    if (found.length > 1) return fail('conflict', `Merchants ${found.map((f) => f.merchantId).join(', ')} each hold this value: add merchantId`);
    const license = await this.licenses.find(caller, found[0].licenseId);
    return license.ok ? succeed(await historyOf(this.dataSource.manager, license.value)) : license;
  }
}

const NOT_FOUND = 'License not found';

/**
 * The history of a license the caller may see, in the order it was recorded. "imported" comes
 * from the license row (its upload and import time); every later entry from license_ledger. An
 * e-mail's `at` is when notification-service sent it, so it may be a moment before the entry
 * recorded ahead of it.
 */
async function historyOf(manager: EntityManager, license: LicenseDetail): Promise<LicenseHistory> {
  const [origin]: { upload_id: string | null; label: string | null; key_id: string | null; caller_kind: string | null }[] = await manager.query(
    `SELECT l.upload_id, u.label, u.key_id, u.caller_kind FROM license l LEFT JOIN upload u ON u.id = l.upload_id WHERE l.id = $1`,
    [license.licenseId],
  );
  const rows: EntryRow[] = await manager.query(`SELECT at, kind, order_id, line_id, detail FROM license_ledger WHERE license_id = $1 ORDER BY seq LIMIT $2`, [
    license.licenseId,
    HISTORY_LIMIT,
  ]);
  const [{ total }]: { total: number }[] =
    rows.length < HISTORY_LIMIT
      ? [{ total: rows.length }]
      : await manager.query(`SELECT count(*)::int AS total FROM license_ledger WHERE license_id = $1`, [license.licenseId]);
  const imported: LedgerEntry = {
    at: license.importedAt,
    kind: 'imported',
    orderId: null,
    lineId: null,
    uploadId: origin?.upload_id ?? null,
    uploadLabel: origin?.label ?? null,
    keyId: origin?.key_id ?? null,
    callerKind: origin?.caller_kind ?? null,
  };
  const later = rows.map((row): LedgerEntry => ({ ...row.detail, at: row.at.toISOString(), kind: row.kind, orderId: row.order_id, lineId: row.line_id }));
  return { license: { ...license, uploadId: origin?.upload_id ?? null }, history: [imported, ...later], more: total > rows.length };
}

/**
 * The licenses holding this value: of one merchant, or (merchantId undefined, for support) of
 * every merchant. Matched by the keyed hash of the trimmed value's NFKC form, and by the hash
 * of the value as sent for rows not yet rehashed; the value is never stored, searched or logged.
 * Without a merchant each merchant's (merchant, hash) index is probed once: no index on the hash
 * alone, which every import would pay for.
 */
async function findByValue(
  manager: EntityManager,
  hashKey: Buffer,
  value: string,
  merchantId: string | undefined,
): Promise<{ licenseId: string; merchantId: string }[]> {
  const trimmed = value.trim();
  const hashes = [licenseHash(hashKey, trimmed), keyedHash(hashKey, trimmed)];
  const rows: { id: string; merchant_id: string }[] =
    merchantId === undefined
      ? await manager.query(
          `SELECT l.id, l.merchant_id FROM (SELECT DISTINCT merchant_id FROM pool) m
               CROSS JOIN LATERAL (SELECT id, merchant_id FROM license WHERE merchant_id = m.merchant_id AND value_hash = ANY($1::bytea[])) l
              ORDER BY l.merchant_id`,
          [hashes],
        )
      : await manager.query(`SELECT id, merchant_id FROM license WHERE merchant_id = $1 AND value_hash = ANY($2::bytea[])`, [merchantId, hashes]);
  return rows.map((row) => ({ licenseId: row.id, merchantId: row.merchant_id }));
}
