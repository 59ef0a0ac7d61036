import { ttyProgress } from './progress';

describe('the progress bar of long replays and redrives', () => {
  const terminal = () => {
    const written: string[] = [];
    let now = 0;
    return { written, tick: (ms: number) => (now += ms), stream: { write: (chunk: string) => written.push(chunk), columns: 80 }, now: () => now };
  };

  it('draws nothing for a step that ends before the delay', () => {
    const t = terminal();
    const bar = ttyProgress(t.stream, { afterMs: 500, now: t.now })('reading license-allocated', 10);
    t.tick(100);
    bar.update(10);
    bar.done();
    expect(t.written).toEqual([]);
  });

  it('redraws one line in place after the delay, at most every 100 ms, and wipes it when done', () => {
    const t = terminal();
    const bar = ttyProgress(t.stream, { afterMs: 500, everyMs: 100, now: t.now })('reading license-allocated', 200);
    t.tick(600);
    bar.update(50);
    t.tick(10);
    bar.update(60); // too soon after the last redraw
    t.tick(100);
    bar.update(200);
    bar.done();
    expect(t.written).toEqual([
      `\rreading license-allocated [${'#'.repeat(8)}${'-'.repeat(22)}]  25% 50/200`,
      `\rreading license-allocated [${'#'.repeat(30)}] 100% 200/200`,
      '\r\x1b[2K',
    ]);
  });
});
