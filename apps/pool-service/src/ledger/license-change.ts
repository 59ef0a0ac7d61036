import type { EntityManager } from 'typeorm';

/** Why licenses change status, as the ledger trigger records it in the entry's detail (never a value). */
export type LicenseChange =
  | { via: 'single'; keyId?: string }
  | { via: 'bulk'; keyId?: string }
  | { via: 'recall'; uploadId: string; keyId?: string }
  | { via: 'refund'; policy: string; reason: string };

/**
 * Runs `change` with the reason the license_ledger trigger adds to each entry it writes, and
 * clears it after, so a later statement of the same transaction (a serve after a refund's
 * return) is not credited with it. The setting is transaction-local.
 */
export async function withLicenseChange<T>(manager: EntityManager, why: LicenseChange, change: () => Promise<T>): Promise<T> {
  await manager.query(`SELECT set_config('keypool.license_change', $1, true)`, [JSON.stringify(why)]);
  const result = await change();
  // Not in a finally: after a failed statement the transaction is aborted and rolls back anyway.
  await manager.query(`SELECT set_config('keypool.license_change', '', true)`);
  return result;
}
