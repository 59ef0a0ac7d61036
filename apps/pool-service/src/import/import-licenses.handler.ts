import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  /** Who imported it (kept with the upload for the ledger's "imported" entry): the key's id, never the key. */
  importedBy?: { kind: 'merchant' | 'support'; keyId?: string };
}

export interface ImportOutcome {
  report: ImportReport;
  /** Whether licenses were stored (false for a dry run or a refused strict import). */
  committed: boolean;
}

/**
 * Accepted lines staged and stored per round: one COPY into the staging table and one INSERT
 * from it. The service seals the next round while the database stores this one, so on two cores
 * the two overlap; the round's sealed rows (about 200 bytes a line) are what memory holds.
 */
export const STORE_ROUND_LINES = 25_000;

/**
 * Imports an upload in ONE transaction: all land or none do. Accepted lines are hashed (keyed
 * hash of the NFKC form, licenseHash) and sealed (bound to their row's id) a batch at a time,
 * and stored in rounds of STORE_ROUND_LINES: COPY (binary) into a staging table that lives only
 * in this transaction, then one set-based INSERT into `license` in file order. That INSERT skips
 * a row whose key came earlier in the round (an anti-join of the round with itself) or is
 * already stored (the merchant's earlier licenses in any pool, sold ones included, and this
 * file's earlier rounds: an anti-join on the unique (merchant, hash) index), so it needs no
 * ON CONFLICT: PostgreSQL's speculative insertion cost 2.6 times a plain insert per row. The
 * unique index still guarantees one row per key and merchant; imports of one merchant are
 * serialized by an advisory lock. Memory holds a round, never the file, and a dry run is the
 * same import rolled back.
 */
export class ImportLicensesHandler {
  private readonly hashUpgrade: LicenseHashUpgrade;
  private readonly hasher: BulkLicenseHasher;

  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
    hashKey: Buffer,
    private readonly batchSize: number,
    private readonly roundLines = STORE_ROUND_LINES,
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
      // A round's sort by line and its anti-join with itself stay in memory (a round is ~5 MB of rows).
      await runner.query(`SET LOCAL work_mem = '32MB'`);
      // The anti-join's per-row probe makes a round look costly to the planner, which would spend
      // 50 ms compiling it (JIT) to save nothing.
      await runner.query(`SET LOCAL jit = off`);
      // Hashes are compared under one rule: the merchant's rows still under an older one are
      // upgraded first (a no-op once the start-up backfill is done).
      await this.hashUpgrade.upgradeMerchant(runner.manager, target.merchantId);
      await runner.query(
        `CREATE TEMPORARY TABLE license_import (line integer NOT NULL, id uuid NOT NULL, value_hash bytea NOT NULL, value bytea NOT NULL) ON COMMIT DROP`,
      );
      await this.stageAndStore(client, runner, target, uploadId, lines, report);
      const keep = !options.dryRun && !(options.strict && report.hasRejections);
      if (keep) {
        const built = report.build();
        await runner.query(`INSERT INTO upload (id, pool_id, merchant_id, label, report, key_id, caller_kind) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
          uploadId,
          target.poolId,
          target.merchantId,
          built.label,
          JSON.stringify(built),
          options.importedBy?.keyId ?? null,
          options.importedBy?.kind ?? null,
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

  /**
   * Judges every line and seals the accepted ones a batch at a time; each full round is staged
   * and its INSERT started, and the next round is sealed while that INSERT runs (awaited before
   * the next COPY, which needs the connection).
   */
  private async stageAndStore(
    client: PoolClient,
    runner: QueryRunner,
    target: ImportTarget,
    uploadId: string,
    lines: AsyncIterable<UploadedLine>,
    report: ImportReportBuilder,
  ): Promise<void> {
    let storing: Promise<void> = Promise.resolve();
    let round: Buffer[] = [];
    let roundCount = 0;
    let batch: AcceptedLine[] = [];
    const seal = async () => {
      if (batch.length === 0) return;
      round.push(licenseCopyRows(batch, this.hasher, this.cipher));
      roundCount += batch.length;
      batch = [];
      // Hashing and sealing run on the event loop, one batch at a time, with a turn for other
      // requests (and the database's answers) in between.
      await new Promise((resolve) => setImmediate(resolve));
    };
    const startRound = async () => {
      const rows = round;
      const count = roundCount;
      round = [];
      roundCount = 0;
      await storing;
      if (count === 0) return;
      await this.stage(client, rows);
      storing = this.store(client, runner, target, uploadId, count, report);
      // Awaited before the next round and at the end; until then a failure must not go unhandled.
      storing.catch(() => undefined);
    };
    try {
      for await (const line of lines) {
        if ('problem' in line) {
          report.rejected(line.number, line.problem);
          continue;
        }
        const verdict = judgeLicenseLine(line.text);
        if (verdict.kind === 'blank') report.blank();
        else if (verdict.kind === 'rejected') report.rejected(line.number, verdict.reason);
        else batch.push({ line: line.number, value: verdict.value });
        if (batch.length >= this.batchSize) await seal();
        if (roundCount >= this.roundLines) await startRound();
      }
      await seal();
      await startRound();
      await storing;
    } catch (error) {
      // An unreadable upload or a failed round: the connection is left idle (no round still
      // running on it) for the rollback, which undoes the rounds stored so far.
      await storing.catch(() => undefined);
      throw error;
    }
  }

  /** One round's rows into the (emptied) staging table, with one binary COPY. */
  private async stage(client: PoolClient, rows: Buffer[]): Promise<void> {
    await client.query(`TRUNCATE license_import`);
    await pipeline(
      Readable.from([COPY_HEADER, ...rows, COPY_TRAILER]),
      client.query(copyFrom('COPY license_import (line, id, value_hash, value) FROM STDIN (FORMAT binary)')),
    );
  }

  /** Moves a staged round into the pool in file order, the first of equal keys winning, and reports the rest as duplicates. */
  private async store(
    client: PoolClient,
    runner: QueryRunner,
    target: ImportTarget,
    uploadId: string,
    staged: number,
    report: ImportReportBuilder,
  ): Promise<void> {
    // OFFSET 0 keeps the stored-key test a per-row probe of the unique index: as a hash anti-join
    // the planner would read every license the merchant has, once per round.
    const { rowCount } = await client.query(
      `INSERT INTO license (id, pool_id, merchant_id, value_hash, value, hash_version, upload_id)
       SELECT s.id, $1, $2, s.value_hash, s.value, $3, $4 FROM license_import s
        WHERE NOT EXISTS (SELECT 1 FROM license_import e WHERE e.value_hash = s.value_hash AND e.line < s.line)
          AND NOT EXISTS (SELECT 1 FROM license l WHERE l.merchant_id = $2 AND l.value_hash = s.value_hash OFFSET 0)
        ORDER BY s.line`,
      [target.poolId, target.merchantId, LICENSE_HASH_VERSION, uploadId],
    );
    const added = rowCount ?? 0;
    report.added(added);
    if (added === staged) return;
    const first = (await runner.query(
      `SELECT s.line FROM license_import s WHERE NOT EXISTS (SELECT 1 FROM license l WHERE l.id = s.id) ORDER BY s.line LIMIT $1`,
      [REPORT_LIST_LIMIT],
    )) as { line: number }[];
    report.duplicates(
      staged - added,
      first.map((row) => row.line),
    );
  }
}
