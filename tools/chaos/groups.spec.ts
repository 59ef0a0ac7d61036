import type { Kafka } from 'kafkajs';
import { GroupWatcher, groupChecks, type GroupState } from './groups';
import type { ChaosStack } from './stack';
import { Timeline } from './timeline';

// The two-instance run's verdict on its consumer groups, from recorded group states (no broker).
const PREFIX = 'chaos_two_instances-abc';
const GROUP = `pool-service.${PREFIX}.allocation-requested`;
const base = Date.now() - 100_000;
const at = (s: number) => base + s * 1000;
const split: GroupState['members'] = [
  { clientId: 'pool-service-1', partitions: [0, 2, 4] },
  { clientId: 'pool-service-2', partitions: [1, 3, 5] },
];
const alone = (clientId: string): GroupState['members'] => [{ clientId, partitions: [0, 1, 2, 3, 4, 5] }];

const stack = {
  instances: {
    pool: [{ label: 'pool-service#1' }, { label: 'pool-service#2' }],
    fulfillment: [{ label: 'order-fulfillment-service#1' }, { label: 'order-fulfillment-service#2' }],
    notification: [{ label: 'notification-service#1' }, { label: 'notification-service#2' }],
  },
} as unknown as ChaosStack;

function verdict(states: [number, GroupState['members']][], killed = 'pool-service#2') {
  const watcher = new GroupWatcher({} as Kafka, PREFIX, new Timeline());
  watcher.history.set(
    GROUP,
    states.map(([s, members]) => ({ at: at(s), members })),
  );
  const timeline = new Timeline();
  timeline.entries.push({ at: at(20), what: 'SIGKILL', target: killed }, { at: at(65), what: 'restarted', target: killed });
  const [start, takeover, end] = groupChecks(watcher, stack, timeline, at(15), 6);
  return { start, takeover, end };
}

describe('chaos group checks', () => {
  it('pass when the groups are shared, the survivor owns every partition while the other is down, and they are shared again', () => {
    const { start, takeover, end } = verdict([
      [10, split],
      [50, alone('pool-service-1')],
      [80, split],
    ]);
    expect([start.ok, takeover.ok, end.ok]).toEqual([true, true, true]);
    expect(takeover.evidence).toEqual([
      expect.stringMatching(/^allocation-requested@pool-service: pool-service-1 \[0,1,2,3,4,5\] at .*\(pool-service#2 killed at /),
    ]);
  });

  it('fail the takeover when the killed instance came back before anyone else owned its partitions', () => {
    const { takeover } = verdict([
      [10, split],
      [80, split],
    ]);
    expect(takeover.ok).toBe(false);
    expect(takeover.evidence).toEqual([expect.stringContaining('never owned by the surviving instances')]);
  });

  it('do not count the restarted instance (same client id as the killed one) owning everything as a takeover', () => {
    const { takeover } = verdict([
      [10, split],
      [70, alone('pool-service-2')],
    ]);
    expect(takeover.ok).toBe(false);
  });

  it('fail the sharing checks when a group had one member at the load start or at the end', () => {
    const { start, end } = verdict([
      [10, alone('pool-service-1')],
      [50, split],
      [60, alone('pool-service-1')],
    ]);
    expect(start.ok).toBe(false);
    expect(start.evidence).toEqual(['allocation-requested@pool-service: pool-service-1 [0,1,2,3,4,5]']);
    expect(end.ok).toBe(false);
  });
});
