import { GroupCommit } from './group-commit';

/** A commit whose transactions end when the test says so. */
function gatedCommit() {
  const transactions: { events: string[]; chunks: number; end(ok: boolean): void }[] = [];
  const commit = (events: string[], chunks: number) =>
    new Promise<void>((resolve, reject) => transactions.push({ events, chunks, end: (ok) => (ok ? resolve() : reject(new Error('rolled back'))) }));
  return { transactions, commit };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('starts a chunk handed in while nothing runs at once, alone', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(10, commit);
    const outcome = group.submit(['a1'], () => true);
    await tick();
    expect(transactions.map((t) => t.events)).toEqual([['a1']]);
    transactions[0].end(true);
    expect(await outcome).toBe('committed');
  });

  it('puts everything handed in during a transaction into the next one, in the order handed in', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(10, commit);
    const first = group.submit(['a1'], () => true);
    await tick();
    const second = group.submit(['b1', 'b2'], () => true);
    const third = group.submit(['c1'], () => true);
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
    const group = new GroupCommit(10, commit);
    void group.submit(['a1'], () => true);
    await tick();
    const b = group.submit(['b1'], () => true);
    const c = group.submit(['c1'], () => true);
    transactions[0].end(true);
    await tick();
    const d = group.submit(['d1'], () => true);
    transactions[1].end(false);
    expect(await Promise.all([b, c])).toEqual(['failed', 'failed']);
    await tick();
    expect(transactions[2].events).toEqual(['d1']);
    transactions[2].end(true);
    expect(await d).toBe('committed');
  });

  it('caps a transaction at maxEvents (a chunk larger than the cap still goes, alone)', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(3, commit);
    void group.submit(['a1'], () => true);
    await tick();
    void group.submit(['b1', 'b2'], () => true);
    void group.submit(['c1', 'c2'], () => true);
    void group.submit(['d1', 'd2', 'd3', 'd4'], () => true);
    for (let i = 0; i < 4; i++) {
      transactions[i].end(true);
      await tick();
    }
    expect(transactions.map((t) => t.events)).toEqual([['a1'], ['b1', 'b2'], ['c1', 'c2'], ['d1', 'd2', 'd3', 'd4']]);
  });

  it('leaves out, untried, a chunk whose batch is no longer the consumer’s when its turn comes', async () => {
    const { transactions, commit } = gatedCommit();
    const group = new GroupCommit(10, commit);
    void group.submit(['a1'], () => true);
    await tick();
    let ours = true;
    const gone = group.submit(['b1'], () => ours);
    const stays = group.submit(['c1'], () => true);
    const throws = group.submit(['d1'], () => {
      throw new Error('seeked');
    });
    ours = false;
    transactions[0].end(true);
    expect(await gone).toBe('abandoned');
    expect(await throws).toBe('abandoned');
    await tick();
    expect(transactions.map((t) => t.events)).toEqual([['a1'], ['c1']]);
    transactions[1].end(true);
    expect(await stays).toBe('committed');
  });
});
