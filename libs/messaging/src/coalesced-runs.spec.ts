import { CoalescedRuns } from './coalesced-runs';

describe('coalesced runs', () => {
  it('never runs twice at once, and runs once more for any number of wake-ups during a run', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const runner = new CoalescedRuns(async () => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise<void>((resolve) => (release = resolve));
      active--;
    });
    runner.wake();
    runner.wake();
    runner.wake();
    release();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await runner.settled();
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('does not run while it may not', async () => {
    let runs = 0;
    let allowed = false;
    const runner = new CoalescedRuns(
      () => Promise.resolve(void runs++),
      () => allowed,
    );
    runner.wake();
    await runner.settled();
    allowed = true;
    runner.wake();
    await runner.settled();
    expect(runs).toBe(1);
  });
});
