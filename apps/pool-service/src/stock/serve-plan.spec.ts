import { chooseLinesToServe } from './serve-plan';

const policy = { reserveAfter: 100, maxLine: 10_000 };
const line = (id: string, license_count: number, overtaken = 0) => ({ id, license_count, overtaken });
const exact = (count: number) => ({ count, exact: true });
const ids = (lines: { id: string }[]) => lines.map((l) => l.id);

describe('chooseLinesToServe', () => {
  it('serves oldest first, each line whole', () => {
    const plan = chooseLinesToServe([line('a', 2), line('b', 3), line('c', 1)], exact(5), policy);
    expect(ids(plan.serve)).toEqual(['a', 'b']);
    expect(plan.used).toBe(5);
    expect(plan.stop).toBeUndefined();
  });

  it('passes over a line the stock cannot serve and serves the later lines that fit', () => {
    const queue = [line('big', 1000), line('s1', 1), line('s2', 1), line('s3', 1)];
    const plan = chooseLinesToServe(queue, exact(500), policy);
    expect(ids(plan.serve)).toEqual(['s1', 's2', 's3']);
    expect(plan.overtaken).toEqual([{ line: queue[0], licenses: 3 }]);
  });

  it('keeps serving from what is left after an older line took its share', () => {
    const plan = chooseLinesToServe([line('a', 3), line('b', 4), line('c', 2), line('d', 1)], exact(6), policy);
    expect(ids(plan.serve)).toEqual(['a', 'c', 'd']);
    expect(plan.overtaken.map((o) => [o.line.id, o.licenses])).toEqual([['b', 3]]);
  });

  it('counts for each passed-over line only the licenses later lines took', () => {
    const plan = chooseLinesToServe([line('x', 50), line('a', 2), line('y', 50), line('b', 3)], exact(5), policy);
    expect(plan.overtaken.map((o) => [o.line.id, o.licenses])).toEqual([
      ['x', 5],
      ['y', 3],
    ]);
  });

  it('keeps the stock for a line overtaken long enough: nothing behind it is served', () => {
    const queue = [line('s0', 1), line('big', 1000, 100), line('s1', 1)];
    const plan = chooseLinesToServe(queue, exact(500), policy);
    expect(ids(plan.serve)).toEqual(['s0']);
    expect(plan.stop).toBe('kept');
    expect(plan.overtaken).toEqual([]);
  });

  it('serves a line stock was kept for as soon as it fits', () => {
    const plan = chooseLinesToServe([line('big', 1000, 5000), line('s1', 1)], exact(1001), policy);
    expect(ids(plan.serve)).toEqual(['big', 's1']);
  });

  it('is strictly oldest first with reserveAfter 0', () => {
    const plan = chooseLinesToServe([line('a', 3), line('b', 1)], exact(2), { ...policy, reserveAfter: 0 });
    expect(plan.serve).toEqual([]);
    expect(plan.stop).toBe('kept');
  });

  it('never keeps stock for a line bigger than one line may take, and never serves it', () => {
    const queue = [line('huge', 1_000_000_000, 1_000_000), line('s1', 1)];
    const plan = chooseLinesToServe(queue, exact(10_000), policy);
    expect(ids(plan.serve)).toEqual(['s1']);
    expect(plan.stop).toBeUndefined();
    expect(chooseLinesToServe([line('huge', 20_000)], exact(50_000), policy).serve).toEqual([]);
  });

  it('asks for a recount instead of passing a line over on a lower-bound count', () => {
    const plan = chooseLinesToServe([line('a', 4), line('b', 4), line('c', 1)], { count: 5, exact: false }, policy);
    expect(ids(plan.serve)).toEqual(['a']);
    expect(plan.stop).toBe('recount');
    expect(plan.overtaken).toEqual([]);
  });
});
