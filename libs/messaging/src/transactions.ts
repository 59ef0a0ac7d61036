import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { type SecretBox, quickLiteral } from '@keypool/platform';
import type { OutgoingEvent } from './envelope';
import { PermanentFailure } from './consumer/permanent-failure';
import { outboxInsertStatement } from './outbox/outbox-writer';
import type { OutboxRelay } from './outbox/outbox-relay';

/** What a handler gets inside a transaction: the entity manager and a place to put events. */
export interface Tx {
  readonly manager: EntityManager;
  publish(...events: OutgoingEvent[]): void;
  /** Runs `fn` once the transaction has committed (never after a rollback); errors are the caller's to catch. */
  afterCommit(fn: () => void): void;
}

/** The part of node-postgres' client used here: a query without parameters goes by the simple protocol, several statements in one round trip. */
export interface SimpleQueryClient {
  query(text: string): Promise<SimpleResult | SimpleResult[]>;
  escapeLiteral(value: string): string;
}
export type SimpleResult = { rows: Record<string, unknown>[] };

/**
 * A statement that opens the transaction: sent with its BEGIN in one round trip, its rows go to
 * the work (the consumer's inbox claim). It is built from literals by `sql(escapeLiteral)`.
 */
export interface Opening<R> {
  sql(literal: (value: string) => string): string;
  read(rows: Record<string, unknown>[]): R;
}

/**
 * Runs work in one PostgreSQL transaction; the events it publishes enter the outbox in the
 * same transaction and are relayed right after commit.
 *
 * Round trips are what a hop's latency is made of on a busy machine, so the transaction's
 * fixed statements ride with others: BEGIN goes with the opening statement (the inbox claim of
 * a consumer chunk), and the outbox insert goes with COMMIT, each pair in one simple-protocol
 * query (literals, no parameters). A failure anywhere rolls the whole transaction back, as
 * before: PostgreSQL skips the rest of a query string after a failed statement.
 */
export class Transactions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
    private readonly relay: Pick<OutboxRelay, 'wake'>,
  ) {}

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.runOpening(undefined, (tx) => work(tx));
  }

  /** Like run(), with `opening` sent together with BEGIN; `work` gets what it read. */
  async runOpening<R, T>(opening: Opening<R> | undefined, work: (tx: Tx, opened: R | undefined) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as SimpleQueryClient;
    // A string with no quote, backslash or NUL is quoted as it is (what escapeLiteral would write, without its copy).
    const literal = quickLiteral((value) => strictLiteral(client, value));
    const pending: OutgoingEvent[] = [];
    const committed: (() => void)[] = [];
    let open = false;
    let value: T;
    try {
      open = true;
      const opened = opening ? opening.read(lastResult(await client.query(`BEGIN; ${opening.sql(literal)}`)).rows) : (await client.query('BEGIN'), undefined);
      markTransactionOpen(runner);
      value = await work({ manager: runner.manager, publish: (...events) => pending.push(...events), afterCommit: (fn) => committed.push(fn) }, opened);
      const insert = outboxInsertStatement(this.cipher, pending, literal);
      await client.query(insert ? `${insert}; COMMIT` : 'COMMIT');
      open = false;
    } catch (error) {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      markTransactionClosed(runner);
      await runner.release();
    }
    if (pending.length > 0) this.relay.wake();
    committed.forEach((fn) => fn());
    return value;
  }
}

/**
 * The driver's escapeLiteral, refusing what it would quietly get wrong: a non-string becomes ''
 * there (a missing key would be written as an empty one), and a NUL would end the statement's
 * text early, which the server answers with a protocol error that reads as a broken connection.
 */
export function strictLiteral(client: Pick<SimpleQueryClient, 'escapeLiteral'>, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`a SQL literal must be a string, not ${value === null ? 'null' : typeof value}`);
  if (value.includes('\0')) throw new PermanentFailure('a value holds a NUL character (\\u0000), which PostgreSQL text cannot store');
  return client.escapeLiteral(value);
}

function lastResult(result: SimpleResult | SimpleResult[]): SimpleResult {
  return Array.isArray(result) ? result[result.length - 1] : result;
}

// TypeORM must see the transaction it did not open: save() and friends then add none of their
// own, and a nested manager.transaction() takes a savepoint instead of committing ours.
type RunnerState = { isTransactionActive: boolean; transactionDepth: number };

function markTransactionOpen(runner: QueryRunner): void {
  const state = runner as unknown as RunnerState;
  state.isTransactionActive = true;
  state.transactionDepth = 1;
}

function markTransactionClosed(runner: QueryRunner): void {
  const state = runner as unknown as RunnerState;
  state.isTransactionActive = false;
  state.transactionDepth = 0;
}
