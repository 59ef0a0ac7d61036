import type { EntityManager } from 'typeorm';
import type { License } from '@keypool/contracts';
import { type SecretBox, unnestRows } from '@keypool/platform';
import type { ParentOrder } from '../intake/renewal';
import { lineLicenseContext } from '../keys/sealed-columns';
import { lineKey } from './order-locks';

export interface LineLicenses {
  orderId: string;
  lineId: string;
  licenses: License[];
}

/** Stores licenses sealed with the SecretBox, each bound to its row; the ids stay readable for events and support. */
export async function saveLicenses(manager: EntityManager, cipher: SecretBox, lines: LineLicenses[]): Promise<void> {
  const rows = lines.flatMap((line) => line.licenses.map((license, position) => ({ ...line, license, position })));
  if (rows.length === 0) return;
  const u = unnestRows(rows, {
    order_id: ['text', (r) => r.orderId],
    line_id: ['text', (r) => r.lineId],
    position: ['int', (r) => r.position],
    license_id: ['text', (r) => r.license.licenseId],
    value_sealed: ['bytea', (r) => cipher.encrypt(r.license.value, lineLicenseContext(r.orderId, r.lineId, r.license.licenseId))],
  });
  await manager.query(`INSERT INTO line_licenses (${u.columns}) SELECT ${u.columns} FROM ${u.from} ON CONFLICT DO NOTHING`, u.parameters);
}

/** The saved licenses of the given orders, decrypted, keyed by lineKey(orderId, lineId). */
export async function readLicenses(manager: EntityManager, cipher: SecretBox, orderIds: string[]): Promise<Map<string, License[]>> {
  const byLine = new Map<string, License[]>();
  if (orderIds.length === 0) return byLine;
  const rows: { order_id: string; line_id: string; license_id: string; value_sealed: Buffer }[] = await manager.query(
    `SELECT ll.order_id, ll.line_id, ll.license_id, ll.value_sealed
       FROM line_licenses ll JOIN order_lines l ON l.order_id = ll.order_id AND l.line_id = ll.line_id
      WHERE ll.order_id = ANY($1::text[])
      ORDER BY ll.order_id, l.position, ll.position`,
    [orderIds],
  );
  for (const row of rows) {
    const key = lineKey(row.order_id, row.line_id);
    const licenses = byLine.get(key) ?? [];
    licenses.push({ licenseId: row.license_id, value: cipher.decryptText(row.value_sealed, lineLicenseContext(row.order_id, row.line_id, row.license_id)) });
    byLine.set(key, licenses);
  }
  return byLine;
}

/**
 * The stored orders that renewals name as parents, each with its merchant, customer e-mail and
 * licenses by product; a parent this service never stored is absent. Whether a renewal may use
 * one is decided by `lookUpParent` (same merchant, by default the same customer).
 */
export async function parentOrdersOf(manager: EntityManager, cipher: SecretBox, parentOrderIds: string[]): Promise<Map<string, ParentOrder>> {
  const ids = [...new Set(parentOrderIds)];
  if (ids.length === 0) return new Map();
  const [orders, licenses] = parentStatements('$1::text[]');
  return parentsFrom(cipher, await manager.query(orders, [ids]), await manager.query(licenses, [ids]));
}

export interface ParentOrderRow {
  order_id: string;
  merchant_id: string;
  email: string;
}

export interface ParentLicenseRow {
  order_id: string;
  line_id: string;
  product_id: string;
  license_id: string;
  value_sealed: Buffer;
}

/** The two reads of parentOrdersOf (orders, then their licenses), for the parent ids in the text[] expression `ids`. */
export function parentStatements(ids: string): [string, string] {
  return [
    `SELECT order_id, merchant_id, customer->>'email' AS email FROM orders WHERE order_id = ANY(${ids})`,
    `SELECT ll.order_id, ll.line_id, l.product_id, ll.license_id, ll.value_sealed
       FROM line_licenses ll JOIN order_lines l ON l.order_id = ll.order_id AND l.line_id = ll.line_id
      WHERE ll.order_id = ANY(${ids})
      ORDER BY ll.order_id, l.position, ll.position`,
  ];
}

export function parentsFrom(cipher: SecretBox, known: ParentOrderRow[], rows: ParentLicenseRow[]): Map<string, ParentOrder> {
  const parents = new Map<string, ParentOrder>(
    known.map((r) => [r.order_id, { orderId: r.order_id, merchantId: r.merchant_id, customerEmail: r.email, licensesByProduct: new Map() }]),
  );
  for (const row of rows) {
    const byProduct = parents.get(row.order_id)?.licensesByProduct;
    if (!byProduct) continue;
    const licenses = byProduct.get(row.product_id) ?? [];
    licenses.push({ licenseId: row.license_id, value: cipher.decryptText(row.value_sealed, lineLicenseContext(row.order_id, row.line_id, row.license_id)) });
    byProduct.set(row.product_id, licenses);
  }
  return parents;
}
