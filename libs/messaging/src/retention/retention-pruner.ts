import type { DataSource, QueryRunner } from 'typeorm';
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import type { Metrics } from '@keypool/platform';
import { classifyFailure } from '../consumer/failure-class';
import { describeError, sleep } from '@keypool/platform';
import { RetentionTable, checkRetentionTable, pruneStatement } from './retention-table';

export interface RetentionPrunerOptions {
  tables: RetentionTable[];
  /** Pause between the end of one run and the start of the next. */
  intervalMs: number;
  /** Rows deleted by one statement (one short transaction) at most. */
  batchSize: number;
  /** Pause between two batches, so pruning a backlog leaves the database to the hot paths. */
  pauseMs: number;
  /** Identifies the pruning lock; instances of one service share it, so one of them prunes. */
  lockId: number;
  /** How long a batch waits for a lock before the table is left for the next run (default 500 ms). */
  lockTimeoutMs?: number;
  /** Longest a batch may take (default 15 s). */
  statementTimeoutMs?: number;
}

/** What one run did; `ran` is false when another instance held the pruning lock. */
export interface PruneRun {
  ran: boolean;
  pruned: Record<string, number>;
  /** Tables left for the next run, with why (a lock or statement timeout, an error). */
  skipped: Record<string, string>;
  /** Why the run stopped early (the database away); the next run tries again. */
  failure?: string;
  ms: number;
}

interface BatchRow {
  deleted: number;
  last: string | null;
  any_aged: boolean;
  scanned: number;
}

// SQLSTATE 55P03 lock_not_available (lock_timeout), 57014 query_canceled (statement_timeout).
const GAVE_WAY = new Map([
  ['55P03', 'a lock stayed held past lock_timeout'],
  ['57014', 'a batch ran past statement_timeout'],
]);

/**
 * Deletes rows older than their table's retention in the background: in batches of at most
 * `batchSize` rows, each its own short transaction with `lock_timeout` and `statement_timeout`,
 * skipping rows another transaction holds, with a pause between batches. One instance of a
 * service prunes at a time (a try-lock: the others skip the run). A failure never reaches the
 * service: a database that is away ends the run, and the next run, `intervalMs` later, tries again.
 */
export class RetentionPruner {
  private timer?: NodeJS.Timeout;
  private current?: Promise<PruneRun>;
  private stopping = new AbortController();
  private readonly prunedRows: Counter<string>;
  private readonly lastPruned: Gauge<string>;
  private readonly tables: RetentionTable[];

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    metrics: Metrics,
    private readonly options: RetentionPrunerOptions,
  ) {
    this.tables = options.tables.map(checkRetentionTable);
    this.prunedRows = metrics.counter('keypool_pruned_rows_total', 'Rows deleted because they were older than their retention', ['table']);
    this.lastPruned = metrics.gauge(
      'keypool_prune_last_success_timestamp_seconds',
      'Unix time this instance last pruned the table down to its retention, or started if it has not yet',
      ['table'],
    );
    // Present from the first scrape: an instance that never manages a run (or never holds the
    // pruning lock) shows its age from its start, which KeypoolRetentionStalled compares with
    // the other instances' through max by (...).
    const startedAt = Date.now() / 1000;
    for (const table of this.tables) this.lastPruned.set({ table: table.table }, startedAt);
  }

  start(firstRunInMs = this.options.intervalMs): void {
    this.stopping = new AbortController();
    this.schedule(firstRunInMs);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.current = this.runOnce().finally(() => {
        this.current = undefined;
        if (!this.stopping.signal.aborted) this.schedule(this.options.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One run over every table; never throws. */
  async runOnce(): Promise<PruneRun> {
    const started = Date.now();
    const run: PruneRun = { ran: false, pruned: {}, skipped: {}, ms: 0 };
    let runner: QueryRunner | undefined;
    try {
      runner = this.dataSource.createQueryRunner();
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [this.options.lockId])) as { locked: boolean }[];
      if (locked) {
        run.ran = true;
        try {
          await this.pruneTables(runner, run);
        } finally {
          await runner.query('SELECT pg_advisory_unlock($1)', [this.options.lockId]);
        }
      }
    } catch (error) {
      run.failure = describeError(error);
    } finally {
      await runner?.release().catch(() => undefined);
    }
    run.ms = Date.now() - started;
    this.report(run);
    return run;
  }

  private async pruneTables(runner: QueryRunner, run: PruneRun): Promise<void> {
    // The database's clock decides what is old, whatever the service's clock says.
    const [{ now }] = (await runner.query('SELECT now() AS now')) as { now: Date }[];
    for (const table of this.tables) {
      if (this.stopping.signal.aborted) return;
      run.pruned[table.table] = 0;
      try {
        const cutoff = new Date(now.getTime() - table.retentionMs);
        const finished = await this.pruneTable(runner, table, cutoff, (n) => (run.pruned[table.table] += n));
        if (finished) this.lastPruned.set({ table: table.table }, Date.now() / 1000);
      } catch (error) {
        if (classifyFailure(error) === 'transient') throw error;
        const code = (error as { code?: unknown }).code;
        run.skipped[table.table] = GAVE_WAY.get(typeof code === 'string' ? code : '') ?? describeError(error);
      }
    }
  }

  /** Batches until no old row is left; false when stopped half way. */
  private async pruneTable(runner: QueryRunner, table: RetentionTable, cutoff: Date, onDeleted: (n: number) => void): Promise<boolean> {
    const statement = pruneStatement(table);
    let after = '-1';
    for (;;) {
      const params = table.find.by === 'key' ? [cutoff, this.options.batchSize, after] : [cutoff, this.options.batchSize];
      const batch = await this.inShortTransaction(runner, () => runner.query(statement, params) as Promise<BatchRow[]>);
      const { deleted, last, any_aged, scanned } = batch[0];
      onDeleted(deleted);
      this.prunedRows.inc({ table: table.table }, deleted);
      const done = table.find.by === 'index' ? deleted < this.options.batchSize : !any_aged || scanned < this.options.batchSize || last === null;
      if (done) return true;
      if (last !== null) after = last;
      await sleep(this.options.pauseMs, this.stopping.signal);
      if (this.stopping.signal.aborted) return false;
    }
  }

  private async inShortTransaction<T>(runner: QueryRunner, work: () => Promise<T>): Promise<T> {
    await runner.startTransaction();
    try {
      await runner.query(`SET LOCAL lock_timeout = ${Math.round(this.options.lockTimeoutMs ?? 500)}`);
      await runner.query(`SET LOCAL statement_timeout = ${Math.round(this.options.statementTimeoutMs ?? 15000)}`);
      // Append-only tables (pool-service's license_ledger) refuse a DELETE from any other transaction.
      await runner.query(`SET LOCAL keypool.pruning = 'on'`);
      const result = await work();
      await runner.commitTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }

  /** One line per run: at info when it deleted or skipped something, warn when it failed. */
  private report(run: PruneRun): void {
    if (!run.ran && !run.failure) {
      this.logger.debug('retention run skipped: another instance prunes');
      return;
    }
    const line = { pruned: run.pruned, skipped: run.skipped, ms: run.ms, ...(run.failure ? { failure: run.failure } : {}) };
    if (run.failure) this.logger.warn(line, 'retention run stopped early; the next run tries again');
    else if (Object.values(run.pruned).some((n) => n > 0) || Object.keys(run.skipped).length > 0) this.logger.info(line, 'retention run');
    else this.logger.debug(line, 'retention run');
  }
}
