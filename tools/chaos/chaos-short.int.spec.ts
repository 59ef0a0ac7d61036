// The short chaos run of `npm test`: the full one (`npm run chaos`) adds the broker restart,
// the long pause, SendGrid throttling and more of everything. See README.md, "Chaos".
import { runChaos } from './chaos';
import { databaseOutage, kill, sinkErrors } from './faults';
import { renderMarkdown } from './report';
import type { ServiceKey } from './stack';

const SERVICES: ServiceKey[] = ['pool', 'fulfillment', 'notification'];

describe('chaos, short run', () => {
  it('loses no order, serves each line once, e-mails it once and dead-letters only the malformed, through a database outage, a SIGKILL and a SendGrid outage', async () => {
    const report = await runChaos({
      label: 'chaos_short',
      orders: 300,
      rate: 20,
      malformed: 50,
      seed: Date.now() % 1e9,
      namedDatabases: false,
      partitions: 3,
      restartDelayMs: 1000,
      settleTimeoutMs: 45000,
      schedule: (loadMs, random) => [
        databaseOutage(3000, 8000, 'refuse'),
        sinkErrors(12000, 500, 10000),
        kill(Math.round((0.4 + 0.4 * random()) * loadMs), SERVICES[Math.floor(random() * SERVICES.length)]),
      ],
    });
    if (!report.passed) console.log(renderMarkdown(report));
    expect(report.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.result}`)).toEqual([]);
    expect(report.settled).toBe(true);
  }, 300000);
});
