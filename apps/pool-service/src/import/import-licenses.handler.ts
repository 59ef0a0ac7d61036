import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, QueryRunner } from 'typeorm';
import { type SecretBox, uuidv7 } from '@keypool/platform';
import { LICENSE_HASH_VERSION } from '../licenses/license-hash';
import { LicenseHashUpgrade } from '../licenses/license-hash-upgrade';
import type { UploadedLine } from './line-reader';
import { judgeLicenseLine } from './license-line';
import { ImportReport, ImportReportBuilder, REPORT_LIST_LIMIT } from './import-report';
import { AcceptedLine, BulkLicenseHasher, COPY_HEADER, COPY_TRAILER, licenseCopyRows } from './license-copy-rows';

export interface ImportTarget {
  poolId: string;
  merchantId: string;
}

export interface ImportOptions {
  dryRun: boolean;
  strict: boolean;
  /** The upload's label (at most UPLOAD_LABEL_MAX characters), kept with its report. */
  label?: string;
}

export interface ImportOutcome {
  report: ImportReport;
  /** Whether licenses were stored (false for a dry run or a refused strict import). */
  committed: boolean;
}

/**
 * Imports an upload in ONE transaction: all land or none do. Accepted lines are hashed (keyed
 * hash of the NFKC form, licenseHash) and sealed (bound to their row's id) a batch at a time and
 * streamed with COPY into a staging table that lives only in this transaction; one set-based
 * INSERT then moves them into `license` in file order, where the unique (merchant, hash) index
 * makes a repeat — within the file or of a key the merchant already has in any pool, sold ones
 * included — a duplicate. Memory holds one batch, never the file, and a dry run is the same
 * import rolled back.
 */
export class ImportLicensesHandler {
  private readonly hashUpgrade: LicenseHashUpgrade;
  private readonly hasher: BulkLicenseHasher;

  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
    hashKey: Buffer,
    private readonly batchSize: number,
  ) {
    this.hashUpgrade = new LicenseHashUpgrade(cipher, hashKey);
    this.hasher = new BulkLicenseHasher(hashKey);
  }

  async import(target: ImportTarget, lines: AsyncIterable<UploadedLine>, options: ImportOptions): Promise<ImportOutcome> {
    const uploadId = uuidv7();
    const report = new ImportReportBuilder({ dryRun: options.dryRun, strict: options.strict, uploadId, label: options.label ?? null });
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      await runner.startTransaction();
      // One import per merchant at a time: two overlapping files could otherwise deadlock on the hash index.
      await runner.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`keypool.import:${target.merchantId}`]);
      // Hashes are compared under one rule: the merchant's rows still under an older one are
      // upgraded first (a no-op once the start-up backfill is done).
      await this.hashUpgrade.upgradeMerchant(runner.manager, target.merchantId);
      await runner.query(
        `CREATE TEMPORARY TABLE license_import (line integer PRIMARY KEY, id uuid NOT NULL, value_hash bytea NOT NULL, value bytea NOT NULL) ON COMMIT DROP`,
      );
      const staged = await this.stage(client, lines, report);
      await this.store(runner, target, uploadId, staged, report);
      const keep = !options.dryRun && !(options.strict && report.hasRejections);
      if (keep) {
        const built = report.build();
        await runner.query(`INSERT INTO upload (id, pool_id, merchant_id, label, report) VALUES ($1, $2, $3, $4, $5)`, [
          uploadId,
          target.poolId,
          target.merchantId,
          built.label,
          JSON.stringify(built),
        ]);
        await runner.commitTransaction();
        return { report: built, committed: true };
      }
      await runner.rollbackTransaction();
      report.discarded();
      return { report: report.build(), committed: false };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** Judges every line, and streams the accepted ones into the staging table; returns how many. */
  private async stage(client: PoolClient, lines: AsyncIterable<UploadedLine>, report: ImportReportBuilder): Promise<number> {
    const copy = client.query(copyFrom('COPY license_import (line, id, value_hash, value) FROM STDIN (FORMAT binary)'));
    // A COPY the server ends (a dropped connection) errors the stream at any moment: recorded
    // here, so it neither goes unhandled nor leaves a write waiting for a 'drain' that never comes.
    let copyFailure: unknown;
    const copyFailed = new Promise<never>((_, reject) =>
      copy.once('error', (error) => {
        copyFailure = error;
        reject(error);
      }),
    );
    copyFailed.catch(() => undefined);
    const send = async (chunk: Buffer) => {
      if (copyFailure !== undefined) throw copyFailure;
      if (!copy.write(chunk)) await Promise.race([once(copy, 'drain'), copyFailed]);
    };
    let staged = 0;
    let batch: AcceptedLine[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const rows = licenseCopyRows(batch, this.hasher, this.cipher);
      staged += batch.length;
      batch = [];
      await send(rows);
      // Hashing and sealing run on the event loop (on two busy cores, one or two worker threads
      // were measured no faster); one batch at a time, with a turn for other requests in between.
      await new Promise((resolve) => setImmediate(resolve));
    };
    let failure: unknown;
    try {
      await send(COPY_HEADER);
      for await (const line of lines) {
        if ('problem' in line) {
          report.rejected(line.number, line.problem);
          continue;
        }
        const verdict = judgeLicenseLine(line.text);
        if (verdict.kind === 'blank') report.blank();
        else if (verdict.kind === 'rejected') report.rejected(line.number, verdict.reason);
        else batch.push({ line: line.number, value: verdict.value });
        if (batch.length >= this.batchSize) await flush();
      }
      await flush();
    } catch (error) {
      failure = error;
    }
    // Ended cleanly even when the upload turned out unreadable: the rows staged so far are
    // rolled back with the transaction, and the connection is left in a state it can report on.
    if (copyFailure === undefined) copy.end(COPY_TRAILER);
    await finished(copy).catch((error: unknown) => (failure ??= error));
    if (failure !== undefined) throw failure;
    return staged;
  }

  /** Moves the staged rows into the pool in file order, the first of equal keys winning, and reports the rest as duplicates. */
  private async store(runner: QueryRunner, target: ImportTarget, uploadId: string, staged: number, report: ImportReportBuilder): Promise<void> {
    if (staged === 0) return;
    // The line index and fresh statistics let the INSERT read a large file's rows in file order as
    // they lie, where sorting them (values and all) spilled a file the size of the upload to disk.
    // A small one sorts in memory; the statistics would cost it more than they save.
    if (staged >= 10_000) await runner.query(`ANALYZE license_import`);
    const [{ added }]: { added: number }[] = await runner.query(
      `WITH stored AS (
         INSERT INTO license (id, pool_id, merchant_id, value_hash, value, hash_version, upload_id)
         SELECT id, $1, $2, value_hash, value, $3, $4 FROM license_import ORDER BY line
         ON CONFLICT (merchant_id, value_hash) DO NOTHING
         RETURNING 1)
       SELECT count(*)::integer AS added FROM stored`,
      [target.poolId, target.merchantId, LICENSE_HASH_VERSION, uploadId],
    );
    report.added(added);
    if (added === staged) return;
    const first: { line: number }[] = await runner.query(
      `SELECT s.line FROM license_import s WHERE NOT EXISTS (SELECT 1 FROM license l WHERE l.id = s.id) ORDER BY s.line LIMIT $1`,
      [REPORT_LIST_LIMIT],
    );
    report.duplicates(
      staged - added,
      first.map((row) => row.line),
    );
  }
}
