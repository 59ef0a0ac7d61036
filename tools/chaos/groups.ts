import { AssignerProtocol, type Admin, type Kafka } from 'kafkajs';
import type { CheckResult } from './checker';
import type { ChaosStack, ServiceKey } from './stack';
import type { Timeline } from './timeline';

/** One stable state of a consumer group: which member (by Kafka client id) owns which partitions. */
export interface GroupState {
  at: number;
  members: { clientId: string; partitions: number[] }[];
}

/**
 * Watches the run's consumer groups (every 2 s, stable states only) and notes each change of
 * ownership in the timeline: with two instances per service, this is where a rebalance shows,
 * the survivor taking a killed instance's partitions and giving half back when it returns.
 */
export class GroupWatcher {
  readonly history = new Map<string, GroupState[]>();
  private admin?: Admin;
  private loop?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
    private readonly timeline: Timeline,
  ) {}

  async start(intervalMs = 2000): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.loop = (async () => {
      while (!this.stopped) {
        await this.poll().catch(() => undefined);
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.admin?.disconnect();
  }

  /** Reads every group of the run once; a stable state that differs from the last one is recorded. */
  async poll(): Promise<void> {
    if (!this.admin) throw new Error('the group watcher is not started');
    const { groups } = await this.admin.listGroups();
    const ids = groups.map((g) => g.groupId).filter((id) => id.includes(`.${this.prefix}.`));
    if (ids.length === 0) return;
    const { groups: described } = await this.admin.describeGroups(ids);
    for (const group of described) {
      if (group.state !== 'Stable') continue;
      const members = group.members
        .map((m) => ({ clientId: m.clientId, partitions: partitionsOf(m.memberAssignment) }))
        .sort((a, b) => a.clientId.localeCompare(b.clientId));
      const states = this.history.get(group.groupId) ?? [];
      const last = states.at(-1);
      if (last && JSON.stringify(last.members) === JSON.stringify(members)) continue;
      states.push({ at: Date.now(), members });
      this.history.set(group.groupId, states);
      this.timeline.note(
        'group owners',
        this.shortName(group.groupId),
        members.map((m) => `${m.clientId} [${m.partitions.join(',')}]`).join(', ') || 'no member',
      );
    }
  }

  /** The last recorded state of every group at `at`. */
  statesAt(at: number): Map<string, GroupState | undefined> {
    return new Map([...this.history].map(([group, states]) => [group, states.filter((s) => s.at <= at).at(-1)]));
  }

  /** Polls until every group of every service has `instances` members, each owning a partition. */
  async waitUntilShared(services: ServiceKey[], instances: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await this.poll().catch(() => undefined);
      const latest = this.statesAt(Date.now());
      const covered = services.every((key) => [...latest.keys()].some((g) => this.serviceOf(g) === key));
      if (covered && [...latest.values()].every((s) => shared(s, instances))) return true;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return false;
  }

  shortName(groupId: string): string {
    const at = groupId.indexOf(this.prefix);
    return `${groupId.slice(at + this.prefix.length + 1)}@${groupId.slice(0, at - 1)}`;
  }

  serviceOf(groupId: string): ServiceKey | undefined {
    const owner = groupId.slice(0, groupId.indexOf(this.prefix) - 1);
    return (['pool', 'fulfillment', 'notification'] as const).find((key) => owner.includes(key));
  }
}

function partitionsOf(assignment: Buffer): number[] {
  if (!assignment || assignment.length === 0) return [];
  const decoded = AssignerProtocol.MemberAssignment.decode(assignment);
  return Object.values(decoded?.assignment ?? {})
    .flat()
    .sort((a, b) => a - b);
}

function shared(state: GroupState | undefined, instances: number): boolean {
  return !!state && state.members.length === instances && state.members.every((m) => m.partitions.length > 0);
}

/**
 * What the two-instance run proves about the groups: each shared by every instance before the
 * first kill and again at the end, and while a killed instance was down, each group of its
 * service owned entirely by an instance still alive (the rebalance moved the partitions).
 */
export function groupChecks(watcher: GroupWatcher, stack: ChaosStack, timeline: Timeline, loadStartedAt: number, partitions: number): CheckResult[] {
  const instances = stack.instances.pool.length;
  const all = [...watcher.history.keys()];
  const sharedAt = (at: number, check: string): CheckResult => {
    const states = watcher.statesAt(at);
    const off = all.filter((g) => !shared(states.get(g), instances));
    return {
      check,
      target: `every group: ${instances} members, each owning partitions`,
      result: `${all.length - off.length} of ${all.length} groups`,
      ok: all.length > 0 && off.length === 0,
      evidence: off.map((g) => `${watcher.shortName(g)}: ${describe(states.get(g))}`),
    };
  };
  const clientIds = new Map(
    Object.values(stack.instances)
      .flat()
      .map((s) => [s.label, s.label.replace('#', '-')]),
  );
  const kills = timeline.entries.filter((e) => e.what === 'SIGKILL');
  const takeover: string[] = [];
  const missed: string[] = [];
  for (const kill of kills) {
    const dead = clientIds.get(kill.target);
    const key = (Object.keys(stack.instances) as ServiceKey[]).find((k) => stack.instances[k].some((s) => s.label === kill.target));
    const back = timeline.entries.find((e) => e.what === 'restarted' && e.target === kill.target && e.at > kill.at)?.at ?? Date.now();
    for (const group of all.filter((g) => watcher.serviceOf(g) === key)) {
      const alone = (watcher.history.get(group) ?? []).find(
        (s) =>
          s.at > kill.at &&
          s.at <= back + 60000 &&
          s.members.length > 0 &&
          s.members.every((m) => m.clientId !== dead) &&
          s.members.flatMap((m) => m.partitions).length === partitions,
      );
      if (alone)
        takeover.push(
          `${watcher.shortName(group)}: ${describe(alone)} at +${timeline.seconds(alone.at)}s (${kill.target} killed at +${timeline.seconds(kill.at)}s)`,
        );
      else missed.push(`${watcher.shortName(group)}: never owned by the surviving instances after ${kill.target} was killed at +${timeline.seconds(kill.at)}s`);
    }
  }
  return [
    sharedAt(loadStartedAt, 'consumer groups shared by every instance when the load starts'),
    {
      check: "killed instance's partitions taken over by its service's other instance",
      target: 'every group of each killed service',
      result: `${takeover.length} of ${takeover.length + missed.length} groups (${kills.length} kills)`,
      ok: kills.length > 0 && missed.length === 0,
      evidence: [...missed, ...takeover],
    },
    sharedAt(Date.now(), 'consumer groups shared by every instance again at the end'),
  ];
}

function describe(state: GroupState | undefined): string {
  return state ? state.members.map((m) => `${m.clientId} [${m.partitions.join(',')}]`).join(', ') : 'never seen stable';
}
