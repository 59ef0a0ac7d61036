import type { Logger } from 'pino';
import { Metrics } from '@keypool/platform';
import { consumerMetrics } from './consumer-metrics';
import { DependencyWait } from './dependency-wait';

function setup() {
  let now = 1_000_000;
  const lines: { level: string; msg: string }[] = [];
  const logger = {
    warn: (_: unknown, msg: string) => lines.push({ level: 'warn', msg }),
    info: (_: unknown, msg: string) => lines.push({ level: 'info', msg }),
  } as unknown as Logger;
  const metrics = consumerMetrics(new Metrics());
  const wait = new DependencyWait('orders', logger, metrics, () => now);
  const gauge = async () => (await metrics.waiting.get()).values.find((v) => v.labels['consumer'] === 'orders')?.value;
  const failures = async () => (await metrics.transientFailures.get()).values[0]?.value ?? 0;
  return { wait, lines, gauge, failures, advance: (ms: number) => (now += ms) };
}

describe('DependencyWait', () => {
  it('logs the first failure at once, then at most once a minute, then once when recovered', async () => {
    const { wait, lines, advance, failures } = setup();
    wait.failed('p0', 'database: connect ECONNREFUSED');
    for (let i = 0; i < 100; i++) {
      advance(1000);
      wait.failed('p0', 'database: connect ECONNREFUSED');
    }
    wait.recovered('p0');
    expect(lines.map((l) => l.msg)).toEqual([
      'consumer waits for a dependency; nothing is dead-lettered meanwhile',
      'consumer still waits for a dependency',
      'consumer recovered after 100 s',
    ]);
    expect(await failures()).toBe(101);
  });

  it('waits while any partition waits, and says on what and for how long', async () => {
    const { wait, gauge, advance } = setup();
    expect(wait.reason).toBeUndefined();
    wait.failed('p0', 'database: connect ECONNREFUSED');
    wait.failed('p1', 'database: connect ECONNREFUSED');
    advance(5000);
    expect(await gauge()).toBe(1);
    wait.recovered('p0');
    expect(wait.waiting).toBe(true);
    expect(wait.reason).toBe('database: connect ECONNREFUSED (for 5 s)');
    wait.recovered('p1');
    expect(wait.waiting).toBe(false);
    expect(await gauge()).toBe(0);
  });

  it('says nothing when a partition that never waited succeeds', () => {
    const { wait, lines } = setup();
    wait.recovered('p0');
    expect(lines).toEqual([]);
  });
});
