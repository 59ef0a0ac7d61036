import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox } from '@keypool/platform';
import { LICENSE_HASH_VERSION, licenseHash } from '../licenses/license-hash';
import { LicenseHashUpgrade } from '../licenses/license-hash-upgrade';
import { licenseValueContext } from '../keys/sealed-columns';
import type { UploadedLine } from './line-reader';
import { judgeLicenseLine } from './license-line';
import { ImportReport, ImportReportBuilder } from './import-report';

export interface ImportTarget {
  poolId: string;
  merchantId: string;
}

export interface ImportOptions {
  dryRun: boolean;
  strict: boolean;
}

export interface ImportOutcome {
  report: ImportReport;
  /** Whether licenses were stored (false for a dry run or a refused strict import). */
  committed: boolean;
}

interface Pending {
  line: number;
  value: string;
}

/**
 * Imports an upload in ONE transaction, writing accepted lines in batches as they stream in:
 * all land or none do, and memory holds one batch, never the file. Duplicates — within the
 * file or already known to the merchant in any pool, sold ones included — are found by the
 * unique keyed hash of the license's NFKC form (licenseHash), so a dry run is the same import
 * rolled back.
 */
export class ImportLicensesHandler {
  private readonly hashUpgrade: LicenseHashUpgrade;

  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
    private readonly hashKey: Buffer,
    private readonly batchSize: number,
  ) {
    this.hashUpgrade = new LicenseHashUpgrade(cipher, hashKey);
  }

  async import(target: ImportTarget, lines: AsyncIterable<UploadedLine>, options: ImportOptions): Promise<ImportOutcome> {
    const report = new ImportReportBuilder(options);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      // One import per merchant at a time: two overlapping files could otherwise deadlock on the hash index.
      await runner.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`keypool.import:${target.merchantId}`]);
      // Hashes are compared under one rule: the merchant's rows still under an older one are
      // upgraded first (a no-op once the start-up backfill is done).
      await this.hashUpgrade.upgradeMerchant(runner.manager, target.merchantId);
      let batch: Pending[] = [];
      for await (const line of lines) {
        if ('problem' in line) {
          report.rejected(line.number, line.problem);
          continue;
        }
        const verdict = judgeLicenseLine(line.text);
        if (verdict.kind === 'blank') report.blank();
        else if (verdict.kind === 'rejected') report.rejected(line.number, verdict.reason);
        else batch.push({ line: line.number, value: verdict.value });
        if (batch.length >= this.batchSize) {
          await this.store(runner.manager, target, batch, report);
          batch = [];
        }
      }
      await this.store(runner.manager, target, batch, report);
      const keep = !options.dryRun && !(options.strict && report.hasRejections);
      if (keep) await runner.commitTransaction();
      else await runner.rollbackTransaction();
      return { report: report.build(), committed: keep };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async store(manager: EntityManager, target: ImportTarget, batch: Pending[], report: ImportReportBuilder) {
    if (batch.length === 0) return;
    const fresh: Pending[] = [];
    const hashes: Buffer[] = [];
    const seen = new Set<string>();
    for (const item of batch) {
      const hash = licenseHash(this.hashKey, item.value);
      const hex = hash.toString('hex');
      if (seen.has(hex)) report.duplicate(item.line);
      else (seen.add(hex), fresh.push(item), hashes.push(hash));
    }
    // Ids are made here, not by the database, because each value is sealed bound to its row's id.
    const ids = fresh.map(() => randomUUID());
    const inserted: { value_hash: Buffer }[] = await manager.query(
      `INSERT INTO license (id, pool_id, merchant_id, value_hash, value, hash_version)
       SELECT i, $1, $2, h, v, $5 FROM unnest($6::uuid[], $3::bytea[], $4::bytea[]) WITH ORDINALITY AS t(i, h, v, ord) ORDER BY ord
       ON CONFLICT (merchant_id, value_hash) DO NOTHING
       RETURNING value_hash`,
      [target.poolId, target.merchantId, hashes, fresh.map((item, i) => this.cipher.encrypt(item.value, licenseValueContext(ids[i]))), LICENSE_HASH_VERSION, ids],
    );
    const stored = new Set(inserted.map((row) => row.value_hash.toString('hex')));
    fresh.forEach((item, i) => {
      if (!stored.has(hashes[i].toString('hex'))) report.duplicate(item.line);
    });
    report.added(stored.size);
  }
}
