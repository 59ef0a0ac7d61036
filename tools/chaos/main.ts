// `npm run chaos`: the whole system under faults, then the checker's report (exit 1 when a target is missed).
// `npm run chaos -- --scenario two-instances`: two instances per service, one of each SIGKILLed.
import 'reflect-metadata';
import { runChaos, type ChaosOptions } from './chaos';
import { brokerRestart, databaseOutage, kill, pause, sinkErrors, type Fault } from './faults';
import { renderMarkdown } from './report';
import type { ServiceKey } from './stack';

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** Every fault of issue 8, spread over the load; the kills land at random moments of their windows. */
function fullSchedule(loadMs: number, random: () => number): Fault[] {
  const at = (fraction: number) => Math.round(fraction * loadMs);
  const within = (from: number, to: number) => at(from + random() * (to - from));
  return [
    databaseOutage(at(0.05), 30000, 'blackhole'),
    kill(within(0.2, 0.4), 'pool'),
    sinkErrors(at(0.25), 500, 60000),
    brokerRestart(at(0.45), 10000),
    kill(within(0.4, 0.6), 'fulfillment'),
    pause(at(0.6), 'notification', 40000),
    sinkErrors(at(0.7), 429, 60000),
    kill(within(0.85, 0.95), 'notification'),
  ];
}

/** How long a killed instance of the two-instance run stays down: past the 30 s consumer session, so its partitions move. */
const DOWN_MS = 45000;

/**
 * Two instances per service (issue 13): one instance of each service, chosen at random,
 * SIGKILLed at a random moment of its window and started again 45 s later. The other
 * instance takes over its partitions and its e-mails; nothing else goes wrong.
 */
function twoInstanceSchedule(loadMs: number, random: () => number): Fault[] {
  const within = (from: number, to: number) => Math.round((from + random() * (to - from)) * loadMs);
  const windows: [ServiceKey, number, number][] = [
    ['pool', 0.1, 0.25],
    ['fulfillment', 0.35, 0.5],
    ['notification', 0.6, 0.75],
  ];
  return windows.map(([service, from, to]) => kill(within(from, to), service, Math.floor(random() * 2), DOWN_MS));
}

/** What every scenario shares: the load, the private broker and how long settling may take. */
function commonOptions(): Omit<ChaosOptions, 'label' | 'schedule'> {
  return {
    orders: setting('CHAOS_ORDERS', 5000),
    rate: setting('CHAOS_RATE', 25),
    malformed: setting('CHAOS_MALFORMED', 1000),
    seed: setting('CHAOS_SEED', Date.now() % 1e9),
    brokerPort: setting('CHAOS_KAFKA_PORT', 19092),
    namedDatabases: true,
    partitions: 6,
    restartDelayMs: 3000,
    settleTimeoutMs: setting('CHAOS_SETTLE_S', 300) * 1000,
  };
}

const scenarios: Record<string, () => ChaosOptions> = {
  full: () => ({ ...commonOptions(), label: 'chaos', schedule: fullSchedule }),
  'two-instances': () => ({ ...commonOptions(), label: 'chaos_two_instances', instances: 2, schedule: twoInstanceSchedule }),
};

/** `--scenario <name>` (or `--scenario=<name>`); `full` when absent. */
function scenarioName(args: string[]): string {
  const i = args.findIndex((a) => a === '--scenario' || a.startsWith('--scenario='));
  if (i < 0) return 'full';
  const name = args[i].includes('=') ? args[i].slice('--scenario='.length) : args[i + 1];
  if (!name || !(name in scenarios)) {
    console.error(`unknown scenario ${JSON.stringify(name ?? '')}; one of: ${Object.keys(scenarios).join(', ')}`);
    process.exit(2);
  }
  return name;
}

async function main(): Promise<void> {
  const report = await runChaos(scenarios[scenarioName(process.argv.slice(2))]());
  console.log(renderMarkdown(report));
  process.exit(report.passed ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
