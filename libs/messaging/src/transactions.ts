import type { DataSource, EntityManager } from 'typeorm';
import type { SecretBox } from '@keypool/platform';
import type { OutgoingEvent } from './envelope';
import { writeToOutbox } from './outbox/outbox-writer';
import type { OutboxRelay } from './outbox/outbox-relay';

/** What a handler gets inside a transaction: the entity manager and a place to put events. */
export interface Tx {
  readonly manager: EntityManager;
  publish(...events: OutgoingEvent[]): void;
  /** Runs `fn` once the transaction has committed (never after a rollback); errors are the caller's to catch. */
  afterCommit(fn: () => void): void;
}

/**
 * Runs work in one PostgreSQL transaction; the events it publishes enter the outbox in the
 * same transaction and are relayed right after commit.
 */
export class Transactions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
    private readonly relay: Pick<OutboxRelay, 'wake'>,
  ) {}

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    let published = false;
    const committed: (() => void)[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const pending: OutgoingEvent[] = [];
      const value = await work({ manager, publish: (...events) => pending.push(...events), afterCommit: (fn) => committed.push(fn) });
      await writeToOutbox(manager, this.cipher, pending);
      published = pending.length > 0;
      return value;
    });
    if (published) this.relay.wake();
    committed.forEach((fn) => fn());
    return result;
  }
}
