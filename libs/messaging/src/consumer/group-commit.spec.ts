import { GroupCommit, type GroupCommitOptions } from './group-commit';

/** A commit whose transactions end when the test says so. */
function gatedCommit() {
  const transactions: { events: string[]; chunks: number; end(ok: boolean): void }[] = [];
  const commit = (events: string[], chunks: number) =>
    new Promise<void>((resolve, reject) => transactions.push({ events, chunks, end: (ok) => (ok ? resolve() : reject(new Error('rolled back'))) }));
  return { transactions, commit };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// A bound long enough that no test reaches it unless it waits for it.
const opts = (maxEvents: number, more: Partial<GroupCommitOptions> = {}): GroupCommitOptions => ({ maxEvents, maxInFlight: 3, overdueMs: 60000, ...more });

describe('GroupCommit', () => {
  it('starts a chunk handed in while nothing runs at once, alone', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(opts(10), commit);
    const outcome = group.submit(['a1'], () => true).outcome;
    await tick();
    expect(transactions.map((t) => t.events)).toEqual([['a1']]);
    transactions[0].end(true);
    expect(await outcome).toBe('committed');
  });

  it('puts the chunks handed in during one turn of the event loop, with nothing running, into one transaction', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(opts(10), commit);
    // kafkajs hands in the partitions of one fetch together.
    const outcomes = [group.submit(['a1'], () => true), group.submit(['b1'], () => true), group.submit(['c1', 'c2'], () => true)].map((t) => t.outcome);
    expect(transactions).toHaveLength(0);
    await tick();
    expect(transactions.map((t) => [t.events, t.chunks])).toEqual([[['a1', 'b1', 'c1', 'c2'], 3]]);
    transactions[0].end(true);
    expect(await Promise.all(outcomes)).toEqual(['committed', 'committed', 'committed']);
  });

  it('puts everything handed in during a transaction into the next one, in the order handed in', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(opts(10), commit);
    const first = group.submit(['a1'], () => true).outcome;
    await tick();
    const second = group.submit(['b1', 'b2'], () => true).outcome;
    const third = group.submit(['c1'], () => true).outcome;
    await tick();
    expect(transactions).toHaveLength(1);
    transactions[0].end(true);
    expect(await first).toBe('committed');
    await tick();
    expect(transactions.map((t) => [t.events, t.chunks])).toEqual([
      [['a1'], 1],
      [['b1', 'b2', 'c1'], 2],
    ]);
    transactions[1].end(true);
    expect(await Promise.all([second, third])).toEqual(['committed', 'committed']);
  });

  it('tells every chunk of a transaction that failed, and goes on with the next', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(opts(10), commit);
    void group.submit(['a1'], () => true).outcome;
    await tick();
    const b = group.submit(['b1'], () => true).outcome;
    const c = group.submit(['c1'], () => true).outcome;
    transactions[0].end(true);
    await tick();
    const d = group.submit(['d1'], () => true).outcome;
    transactions[1].end(false);
    expect(await Promise.all([b, c])).toEqual(['failed', 'failed']);
    await tick();
    expect(transactions[2].events).toEqual(['d1']);
    transactions[2].end(true);
    expect(await d).toBe('committed');
  });

  it('caps a transaction at maxEvents (a chunk larger than the cap still goes, alone)', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(opts(3), commit);
    void group.submit(['a1'], () => true).outcome;
    await tick();
    void group.submit(['b1', 'b2'], () => true).outcome;
    void group.submit(['c1', 'c2'], () => true).outcome;
    void group.submit(['d1', 'd2', 'd3', 'd4'], () => true).outcome;
    for (let i = 0; i < 4; i++) {
      transactions[i].end(true);
      await tick();
    }
    expect(transactions.map((t) => t.events)).toEqual([['a1'], ['b1', 'b2'], ['c1', 'c2'], ['d1', 'd2', 'd3', 'd4']]);
  });

  it('leaves out, untried, a chunk whose batch is no longer the consumer’s when its turn comes', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(opts(10), commit);
    void group.submit(['a1'], () => true).outcome;
    await tick();
    let ours = true;
    const gone = group.submit(['b1'], () => ours).outcome;
    const stays = group.submit(['c1'], () => true).outcome;
    const throws = group.submit(['d1'], () => {
      throw new Error('seeked');
    }).outcome;
    ours = false;
    transactions[0].end(true);
    expect(await gone).toBe('abandoned');
    expect(await throws).toBe('abandoned');
    await tick();
    expect(transactions.map((t) => t.events)).toEqual([['a1'], ['c1']]);
    transactions[1].end(true);
    expect(await stays).toBe('committed');
  });

  it('lets a chunk waiting behind a stuck transaction start its own once that one is overdue', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(opts(10, { overdueMs: 50 }), commit);
    const stuck = group.submit(['a1'], () => true).outcome;
    await tick();
    const b = group.submit(['b1'], () => true).outcome;
    const c = group.submit(['c1'], () => true).outcome;
    await tick();
    // Before the bound, the chunks wait (and are gathered).
    expect(transactions).toHaveLength(1);
    await after(80);
    expect(transactions.map((t) => t.events)).toEqual([['a1'], ['b1', 'c1']]);
    transactions[1].end(true);
    expect(await Promise.all([b, c])).toEqual(['committed', 'committed']);
    // With only an overdue transaction in flight, a chunk handed in starts at once.
    const d = group.submit(['d1'], () => true).outcome;
    await tick();
    expect(transactions[2].events).toEqual(['d1']);
    transactions[2].end(true);
    expect(await d).toBe('committed');
    // ... and one handed in behind a young transaction waits for it again.
    void group.submit(['e1'], () => true).outcome;
    await tick();
    const f = group.submit(['f1'], () => true).outcome;
    await tick();
    expect(transactions).toHaveLength(4);
    transactions[3].end(true);
    await tick();
    expect(transactions[4].events).toEqual(['f1']);
    transactions[4].end(true);
    expect(await f).toBe('committed');
    transactions[0].end(true);
    expect(await stuck).toBe('committed');
  });

  it('never has more than maxInFlight transactions at once; the next starts when one ends', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(opts(10, { overdueMs: 10, maxInFlight: 2 }), commit);
    const a = group.submit(['a1'], () => true).outcome;
    await after(20);
    const b = group.submit(['b1'], () => true).outcome;
    await after(20);
    const c = group.submit(['c1'], () => true).outcome;
    await after(40);
    expect(transactions.map((t) => t.events)).toEqual([['a1'], ['b1']]);
    transactions[0].end(false);
    expect(await a).toBe('failed');
    await tick();
    expect(transactions[2].events).toEqual(['c1']);
    transactions[1].end(true);
    transactions[2].end(true);
    expect(await Promise.all([b, c])).toEqual(['committed', 'committed']);
  });

  it('lets a waiting chunk be withdrawn untried, but not one already in a transaction', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(opts(10), commit);
    const a = group.submit(['a1'], () => true);
    await tick();
    const b = group.submit(['b1'], () => true);
    const c = group.submit(['c1'], () => true);
    expect([a.waiting(), b.waiting()]).toEqual([false, true]);
    expect(a.withdraw()).toBe(false);
    expect(b.withdraw()).toBe(true);
    expect(b.withdraw()).toBe(false);
    expect(await b.outcome).toBe('abandoned');
    transactions[0].end(true);
    expect(await a.outcome).toBe('committed');
    await tick();
    expect(transactions.map((t) => t.events)).toEqual([['a1'], ['c1']]);
    transactions[1].end(true);
    expect(await c.outcome).toBe('committed');
    expect(c.waiting()).toBe(false);
  });
});
