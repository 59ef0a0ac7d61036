import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { type SecretBox, uuidv7 } from '@keypool/platform';
import { LICENSE_HASH_VERSION } from '../licenses/license-hash';
import { LicenseHashUpgrade } from '../licenses/license-hash-upgrade';
import type { UploadedLine } from './line-reader';
import { judgeLicenseLine } from './license-line';
import { ImportReport, ImportReportBuilder, REPORT_LIST_LIMIT } from './import-report';
import {
  AcceptedLine,
  BulkLicenseHasher,
  COPY_HEADER,
  COPY_TRAILER,
  HASH_BYTES,
  LICENSE_COPY_COLUMNS,
  LicenseRowsTarget,
  SealedBatch,
  licenseCopyRows,
  sealLicenses,
} from './license-copy-rows';

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
 * Accepted lines stored per round: one probe of the merchant's stored keys and one COPY into
 * `license`. The service seals the next round while the database stores this one, so on two
 * cores the two overlap; the round's sealed rows (about 150 bytes a line) are what memory holds.
 */
export const STORE_ROUND_LINES = 25_000;

/**
 * Imports an upload in ONE transaction: all land or none do. Accepted lines are hashed (keyed
 * hash of the NFKC form, licenseHash) and sealed (bound to their row's id) a batch at a time,
 * and stored in rounds of STORE_ROUND_LINES, in file order. A round's repeats are found by the
 * service (a set of the round's hashes: the first in file order wins); its keys already stored
 * (the merchant's earlier licenses in any pool, sold ones included, and this file's earlier
 * rounds) by one query that probes the unique (merchant, hash) index once per key; the rest go
 * straight into `license` with one binary COPY (the heap takes them a page at a time). No staging
 * table, no INSERT … SELECT: the staging COPY, the anti-joins and the sort cost the database about
 * a sixth of the round. The unique index still guarantees one row per key and merchant (a key
 * stored by another writer between the probe and the COPY fails the import, as it failed the
 * INSERT before); imports of one merchant are serialized by an advisory lock. Memory holds a
 * round, never the file, and a dry run is the same import rolled back.
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
      // The probe's per-key subquery makes a round look costly to the planner, which would spend
      // 50 ms compiling it (JIT) to save nothing.
      await runner.query(`SET LOCAL jit = off`);
      // Hashes are compared under one rule: the merchant's rows still under an older one are
      // upgraded first (a no-op once the start-up backfill is done).
      await this.hashUpgrade.upgradeMerchant(runner.manager, target.merchantId);
      await this.stageAndStore(client, { ...target, uploadId, hashVersion: LICENSE_HASH_VERSION }, lines, report);
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
   * Judges every line and seals the accepted ones a batch at a time; each full round's store is
   * started, and the next round is sealed while it runs (awaited before the next round's store,
   * which needs the connection).
   */
  private async stageAndStore(client: PoolClient, target: LicenseRowsTarget, lines: AsyncIterable<UploadedLine>, report: ImportReportBuilder): Promise<void> {
    let storing: Promise<void> = Promise.resolve();
    let round: SealedBatch[] = [];
    let roundCount = 0;
    let batch: AcceptedLine[] = [];
    const seal = async () => {
      if (batch.length === 0) return;
      round.push(sealLicenses(batch, this.hasher, this.cipher));
      roundCount += batch.length;
      batch = [];
      // Hashing and sealing run on the event loop, one batch at a time, with a turn for other
      // requests (and the database's answers) in between.
      await new Promise((resolve) => setImmediate(resolve));
    };
    const startRound = async () => {
      const batches = round;
      const count = roundCount;
      round = [];
      roundCount = 0;
      await storing;
      if (count === 0) return;
      storing = this.store(client, target, batches, count, report);
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

  /**
   * Stores a round in file order, the first of equal keys winning, and reports the rest as
   * duplicates: repeats within the round found here, keys already stored found by one probe,
   * the others copied into `license`.
   */
  private async store(
    client: PoolClient,
    target: LicenseRowsTarget,
    batches: readonly SealedBatch[],
    count: number,
    report: ImportReportBuilder,
  ): Promise<void> {
    const skipped = batches.map((b) => new Uint8Array(b.lines.length));
    const duplicateLines: number[] = [];
    const seen = new Set<string>();
    // The round's distinct hashes, in file order, and where each came from.
    const probe = Buffer.allocUnsafe(HASH_BYTES * count);
    const fromBatch = new Uint16Array(count);
    const fromRow = new Uint32Array(count);
    let distinct = 0;
    batches.forEach((b, n) => {
      for (let i = 0; i < b.lines.length; i++) {
        const key = b.hashes.toString('latin1', HASH_BYTES * i, HASH_BYTES * (i + 1));
        if (seen.has(key)) {
          skipped[n][i] = 1;
          duplicateLines.push(b.lines[i]);
          continue;
        }
        seen.add(key);
        b.hashes.copy(probe, HASH_BYTES * distinct, HASH_BYTES * i, HASH_BYTES * (i + 1));
        fromBatch[distinct] = n;
        fromRow[distinct] = i;
        distinct++;
      }
    });
    // One query for the round: the n-th hash is bytes 32n … 32n+31 of one binary parameter.
    // OFFSET 0 keeps it a per-key probe of the unique index: as a semi-join the planner would
    // read every license the merchant has, once per round.
    const stored = await client.query<[number]>({
      text: `SELECT i FROM generate_series(0, $3::int - 1) AS i
              WHERE EXISTS (SELECT 1 FROM license l WHERE l.merchant_id = $1 AND l.value_hash = substring($2::bytea FROM i * ${HASH_BYTES} + 1 FOR ${HASH_BYTES}) OFFSET 0)`,
      values: [target.merchantId, probe.subarray(0, HASH_BYTES * distinct), distinct],
      rowMode: 'array',
    });
    for (const [i] of stored.rows) {
      skipped[fromBatch[i]][fromRow[i]] = 1;
      duplicateLines.push(batches[fromBatch[i]].lines[fromRow[i]]);
    }
    const added = count - duplicateLines.length;
    if (added > 0) {
      // Encoded a batch at a time as the COPY takes them.
      const rows = function* () {
        yield COPY_HEADER;
        for (const [n, b] of batches.entries()) yield licenseCopyRows(b, target, (i) => skipped[n][i] === 0);
        yield COPY_TRAILER;
      };
      await pipeline(Readable.from(rows()), client.query(copyFrom(`COPY license (${LICENSE_COPY_COLUMNS}) FROM STDIN (FORMAT binary)`)));
    }
    report.added(added);
    if (duplicateLines.length > 0) {
      duplicateLines.sort((a, b) => a - b);
      report.duplicates(duplicateLines.length, duplicateLines.slice(0, REPORT_LIST_LIMIT));
    }
  }
}
