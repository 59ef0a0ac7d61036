import type { EntityManager } from 'typeorm';
import type { SecretBox } from '@keypool/platform';
import { licenseValueContext } from '../keys/sealed-columns';
import { LICENSE_HASH_VERSION, licenseHash } from './license-hash';

export interface HashUpgradeProgress {
  /** Rows brought to the current hash version (0: none were left). */
  upgraded: number;
  /** Of those, rows whose hash changed. */
  rehashed: number;
  /** Rows an equal-under-NFKC row already answers for: they keep their old hash (see below). */
  twins: number;
}

interface OutdatedRow {
  id: string;
  value: Buffer;
  value_hash: Buffer;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Recomputes the keyed hash of rows made under an older rule (the key is a secret, so SQL
 * cannot). Most values are already in NFKC form and keep their hash; only the rest are
 * rewritten, one at a time under a savepoint: when two rows stored before NFKC are one key
 * now, the first keeps the unique hash and its twin keeps its old one. No import can produce
 * that old hash again (it hashed a non-NFKC string), and the first row already makes any new
 * copy a duplicate, so both stay sellable (they may be sold already) and nothing is lost.
 */
export class LicenseHashUpgrade {
  constructor(
    private readonly cipher: SecretBox,
    private readonly hashKey: Buffer,
  ) {}

  /**
   * Upgrades up to `limit` outdated rows, of one merchant or of any, in the caller's
   * transaction. `skipLocked` lets a background pass step around rows an import holds.
   */
  async upgrade(manager: EntityManager, scope: { merchantId?: string; limit: number; skipLocked: boolean }): Promise<HashUpgradeProgress> {
    const lock = scope.skipLocked ? 'FOR UPDATE SKIP LOCKED' : 'FOR UPDATE';
    const rows: OutdatedRow[] = scope.merchantId
      ? await manager.query(`SELECT id, value, value_hash FROM license WHERE hash_version < $1 AND merchant_id = $2 LIMIT $3 ${lock}`, [
          LICENSE_HASH_VERSION,
          scope.merchantId,
          scope.limit,
        ])
      : // A merchant's import compares hashes under its lock (keypool.import:<merchant>): a row of a
        // merchant importing now is left for later, and an import waits for the rows taken here
        // (shared lock until commit), so no hash changes between its duplicate check and its COPY.
        await manager.query(
          `SELECT id, value, value_hash FROM license
            WHERE hash_version < $1 AND pg_try_advisory_xact_lock_shared(hashtextextended('keypool.import:' || merchant_id, 0))
            LIMIT $2 ${lock}`,
          [LICENSE_HASH_VERSION, scope.limit],
        );
    const unchanged: string[] = [];
    const changed: { id: string; hash: Buffer }[] = [];
    for (const row of rows) {
      const hash = licenseHash(this.hashKey, this.cipher.decryptText(row.value, licenseValueContext(row.id)));
      if (hash.equals(row.value_hash)) unchanged.push(row.id);
      else changed.push({ id: row.id, hash });
    }
    await manager.query(`UPDATE license SET hash_version = $1 WHERE id = ANY($2::uuid[])`, [LICENSE_HASH_VERSION, unchanged]);
    let twins = 0;
    for (const row of changed) {
      if (!(await this.rewrite(manager, row))) twins++;
    }
    return { upgraded: rows.length, rehashed: changed.length - twins, twins };
  }

  /** Upgrades every outdated row of one merchant (before its import compares hashes). */
  async upgradeMerchant(manager: EntityManager, merchantId: string): Promise<void> {
    while ((await this.upgrade(manager, { merchantId, limit: 5000, skipLocked: false })).upgraded > 0);
  }

  /** Gives a row its new hash, unless an equal-under-NFKC row holds it already (then the row is a twin). */
  private async rewrite(manager: EntityManager, row: { id: string; hash: Buffer }): Promise<boolean> {
    // The savepoint covers an import committing the same hash between the check and the write.
    await manager.query(`SAVEPOINT license_rehash`);
    try {
      const [moved]: { n: number }[] = await manager.query(
        `WITH moved AS (
           UPDATE license l SET value_hash = $2, hash_version = $3
            WHERE l.id = $1 AND NOT EXISTS (SELECT 1 FROM license o WHERE o.merchant_id = l.merchant_id AND o.value_hash = $2)
            RETURNING 1)
         SELECT count(*)::int AS n FROM moved`,
        [row.id, row.hash, LICENSE_HASH_VERSION],
      );
      await manager.query(`RELEASE SAVEPOINT license_rehash`);
      if (moved.n > 0) return true;
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await manager.query(`ROLLBACK TO SAVEPOINT license_rehash`);
    }
    await manager.query(`UPDATE license SET hash_version = $2 WHERE id = $1`, [row.id, LICENSE_HASH_VERSION]);
    return false;
  }
}
