import type { DataSource } from 'typeorm';
import { keyedHash } from '@keypool/platform';
import type { LicenseDetail } from '../licenses/licenses.handler';
import { licenseHash } from '../licenses/license-hash';

/** Entries answered per license; a license with more says `more: true` (reveals are the only kind that can pile up). */
export const HISTORY_LIMIT = 1000;

export type LedgerKind = 'imported' | 'allocated' | 'emailed' | 'resent' | 'revealed' | 'withdrawn' | 'revoked' | 'returned' | 'status_changed';

/**
 * One thing that happened to a license. Besides these fields an entry carries its detail:
 * imported: uploadId, uploadLabel; revealed: auditId, keyId, callerKind; withdrawn: via (single,
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

/** Reads the license ledger: one license's history, and which license a value is (by its keyed hash only). */
export class LicenseLedgerHandler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hashKey: Buffer,
  ) {}

  /**
   * The history of a license the caller may see, in the order it was recorded. "imported" comes
   * from the license row (its upload and import time); every later entry from license_ledger. An
   * e-mail's `at` is when notification-service sent it, so it may be a moment before the entry
   * recorded ahead of it.
   */
  async historyOf(license: LicenseDetail): Promise<LicenseHistory> {
    const [origin]: { upload_id: string | null; label: string | null }[] = await this.dataSource.query(
      `SELECT l.upload_id, u.label FROM license l LEFT JOIN upload u ON u.id = l.upload_id WHERE l.id = $1`,
      [license.licenseId],
    );
    const rows: EntryRow[] = await this.dataSource.query(
      `SELECT at, kind, order_id, line_id, detail FROM license_ledger WHERE license_id = $1 ORDER BY seq LIMIT $2`,
      [license.licenseId, HISTORY_LIMIT],
    );
    const [{ total }]: { total: number }[] =
      rows.length < HISTORY_LIMIT
        ? [{ total: rows.length }]
        : await this.dataSource.query(`SELECT count(*)::int AS total FROM license_ledger WHERE license_id = $1`, [license.licenseId]);
    const imported: LedgerEntry = {
      at: license.importedAt,
      kind: 'imported',
      orderId: null,
      lineId: null,
      uploadId: origin?.upload_id ?? null,
      uploadLabel: origin?.label ?? null,
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
  async findByValue(value: string, merchantId: string | undefined): Promise<{ licenseId: string; merchantId: string }[]> {
    const trimmed = value.trim();
    const hashes = [licenseHash(this.hashKey, trimmed), keyedHash(this.hashKey, trimmed)];
    const rows: { id: string; merchant_id: string }[] =
      merchantId === undefined
        ? await this.dataSource.query(
            `SELECT l.id, l.merchant_id FROM (SELECT DISTINCT merchant_id FROM pool) m
               CROSS JOIN LATERAL (SELECT id, merchant_id FROM license WHERE merchant_id = m.merchant_id AND value_hash = ANY($1::bytea[])) l
              ORDER BY l.merchant_id`,
            [hashes],
          )
        : await this.dataSource.query(`SELECT id, merchant_id FROM license WHERE merchant_id = $1 AND value_hash = ANY($2::bytea[])`, [merchantId, hashes]);
    return rows.map((row) => ({ licenseId: row.id, merchantId: row.merchant_id }));
  }
}
