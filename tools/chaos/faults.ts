import type { ProxyFault } from '@keypool/testing';
import type { ChaosStack, ServiceKey } from './stack';
import type { Timeline } from './timeline';

/** One fault, `at` ms after the load starts. */
export interface Fault {
  at: number;
  describe: string;
  inject(stack: ChaosStack, timeline: Timeline): void | Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `refuse`: connections refused, as from a stopped server; `blackhole`: no answer at all, as from a lost network. */
export function databaseOutage(at: number, ms: number, how: ProxyFault): Fault {
  return {
    at,
    describe: `PostgreSQL unreachable (${how}) for ${ms / 1000} s`,
    async inject(stack, timeline) {
      await stack.dbProxy.down(how);
      timeline.note('PostgreSQL unreachable', 'db proxy', how);
      await sleep(ms);
      await stack.dbProxy.up();
      timeline.note('PostgreSQL reachable', 'db proxy');
    },
  };
}

export function brokerRestart(at: number, downMs: number): Fault {
  return {
    at,
    describe: `Kafka broker stopped, ${downMs / 1000} s down, started again with its data`,
    async inject(stack) {
      if (!stack.broker) throw new Error('a broker restart needs the private broker (brokerPort)');
      await stack.broker.stop();
      await sleep(downMs);
      await stack.broker.start();
    },
  };
}

/**
 * SIGKILL of a service, restarted by the supervisor after its usual delay; with `instance`, of
 * that instance (0-based) of a service that runs several, and `downMs`, kept down that long.
 */
export function kill(at: number, service: ServiceKey, instance?: number, downMs?: number): Fault {
  const which = instance === undefined ? service : `${service} instance ${instance + 1}`;
  return {
    at,
    describe: `SIGKILL ${which} (restarted by the supervisor${downMs === undefined ? '' : ` ${downMs / 1000} s later`})`,
    inject(stack) {
      const target = stack.instances[service][instance ?? 0];
      if (!target) throw new Error(`${service} has no instance ${(instance ?? 0) + 1}`);
      target.kill(downMs);
    },
  };
}

export function pause(at: number, service: ServiceKey, ms: number): Fault {
  return {
    at,
    describe: `${service} paused (SIGSTOP) for ${ms / 1000} s, longer than the 30 s consumer session`,
    inject: (stack) => stack.services[service].pause(ms),
  };
}

export function sinkErrors(at: number, status: 429 | 500, ms: number): Fault {
  return {
    at,
    describe: `SendGrid answers ${status} for ${ms / 1000} s`,
    async inject(stack, timeline) {
      stack.sinkGate.failFor(status, ms);
      timeline.note(`sink answers ${status}`, 'sendgrid', `${ms / 1000} s`);
      await sleep(ms);
      timeline.note('sink answers 202 again', 'sendgrid', `${stack.sinkGate.refused} requests refused so far`);
    },
  };
}

/** Runs every fault at its time; resolves when the last one is over. */
export async function runFaults(faults: Fault[], stack: ChaosStack, timeline: Timeline): Promise<void> {
  const start = Date.now();
  await Promise.all(
    faults.map(async (fault) => {
      await sleep(Math.max(0, start + fault.at - Date.now()));
      try {
        await fault.inject(stack, timeline);
      } catch (error) {
        timeline.note('fault failed', fault.describe, String((error as Error).message));
      }
    }),
  );
}

/** A deterministic random source, so a run's kill moments can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}
