// `npm run chaos`: the whole system under faults, then the checker's report (exit 1 when a target is missed).
import 'reflect-metadata';
import { runChaos } from './chaos';
import { brokerRestart, databaseOutage, kill, pause, sinkErrors, type Fault } from './faults';
import { renderMarkdown } from './report';

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

async function main(): Promise<void> {
  const report = await runChaos({
    label: 'chaos',
    orders: setting('CHAOS_ORDERS', 5000),
    rate: setting('CHAOS_RATE', 25),
    malformed: setting('CHAOS_MALFORMED', 1000),
    seed: setting('CHAOS_SEED', Date.now() % 1e9),
    brokerPort: setting('CHAOS_KAFKA_PORT', 19092),
    namedDatabases: true,
    partitions: 6,
    restartDelayMs: 3000,
    settleTimeoutMs: setting('CHAOS_SETTLE_S', 300) * 1000,
    schedule: fullSchedule,
  });
  console.log(renderMarkdown(report));
  process.exit(report.passed ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
