import { join } from 'node:path';
import { TEST_KEYS } from '@keypool/testing';
import { check, waitForSettling, type ImportedPool } from './checker';
import { runFaults, seededRandom, type Fault } from './faults';
import { GroupWatcher, groupChecks } from './groups';
import { PRODUCTS, planLoad, publishLoad, unitsWanted, type LoadPlan } from './load';
import { buildReport, writeReport, type ChaosReport } from './report';
import { startStack, type ChaosStack } from './stack';
import { Timeline } from './timeline';

export interface ChaosOptions {
  label: string;
  orders: number;
  /** Valid orders per second. */
  rate: number;
  malformed: number;
  seed: number;
  /** A private broker on this port (needed for the broker restart); else the shared test broker. */
  brokerPort?: number;
  namedDatabases: boolean;
  partitions: number;
  restartDelayMs: number;
  settleTimeoutMs: number;
  /** Processes per service (default 1); with more, the run also checks how the consumer groups were shared. */
  instances?: number;
  /** The faults of the run, given how long the load lasts and a seeded random source. */
  schedule(loadMs: number, random: () => number): Fault[];
}

export const RESULTS_DIR = join(__dirname, 'results');

/** Starts the system, pushes the load while the faults happen, waits for it to settle and checks it. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const timeline = new Timeline();
  const plan = planLoad(options.label, options.orders, options.malformed);
  const stack = await startStack({ ...options, maxMessages: 2 * plan.orders.length + 1000 }, timeline);
  const producer = stack.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const instances = options.instances ?? 1;
  const groups = instances > 1 ? new GroupWatcher(stack.kafka, stack.prefix, timeline) : undefined;
  try {
    const pools = await stockPools(stack, plan);
    await producer.connect();
    if (groups) {
      await groups.start();
      const shared = await groups.waitUntilShared(['pool', 'fulfillment', 'notification'], instances, 120000);
      timeline.note(shared ? 'every consumer group shared' : 'consumer groups not all shared after 120 s', `${instances} instances per service`);
    }
    const loadMs = (options.orders / options.rate) * 1000;
    const faults = options.schedule(loadMs, seededRandom(options.seed));
    timeline.note('load started', stack.topics.orderPaid, `${options.orders} orders at ${options.rate}/s, seed ${options.seed}`);
    const loadStartedAt = Date.now();
    await Promise.all([publishLoad(producer, stack.topics.orderPaid, plan, options.rate, timeline), runFaults(faults, stack, timeline)]);
    if (groups) {
      // Killed instances may still be down: wait for them and their rebalance, so the run ends
      // with the work they came back to, and the checks see every instance in its groups.
      await Promise.all(
        Object.values(stack.instances)
          .flat()
          .map((s) => s.waitUntilReady(300000)),
      );
      const shared = await groups.waitUntilShared(['pool', 'fulfillment', 'notification'], instances, 120000);
      timeline.note(shared ? 'every consumer group shared again' : 'consumer groups not all shared again after 120 s', `${instances} instances per service`);
    }
    const input = { stack, plan, pools, timeline };
    const settled = await waitForSettling(input, options.settleTimeoutMs);
    timeline.note(settled ? 'settled' : 'still busy at the deadline', 'system');
    const findings = await check(input);
    if (groups) {
      await groups.poll();
      findings.checks.push(...groupChecks(groups, stack, timeline, loadStartedAt, options.partitions));
    }
    const settings = {
      orders: options.orders,
      rate: options.rate,
      malformed: options.malformed,
      seed: options.seed,
      partitions: options.partitions,
      ...(instances > 1 ? { instances } : {}),
    };
    const report = buildReport(
      options.label,
      settings,
      [...faults].sort((a, b) => a.at - b.at).map((f) => `+${(f.at / 1000).toFixed(0)}s ${f.describe}`),
      settled,
      findings,
      timeline,
    );
    console.log(`[chaos] report: ${writeReport(report, RESULTS_DIR)}`);
    return report;
  } finally {
    await groups?.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await stack.close();
  }
}

/**
 * A plentiful pool (every line can be served) and a scarce one (about half), each with a few
 * licenses withdrawn; the third product has no pool, so its lines are held as unroutable.
 */
async function stockPools(stack: ChaosStack, plan: LoadPlan): Promise<ImportedPool[]> {
  const stock = [
    { ...PRODUCTS.plenty, licenses: unitsWanted(plan, PRODUCTS.plenty.productId) + 20 },
    { ...PRODUCTS.scarce, licenses: Math.floor(unitsWanted(plan, PRODUCTS.scarce.productId) / 2) + 3 },
  ];
  const pools: ImportedPool[] = [];
  for (const { merchantId, productId, licenses } of stock) {
    const { id: poolId } = await poolApi<{ id: string }>(stack, 'POST', '/pools', { merchantId, productId, threshold: 0 });
    const values = Array.from({ length: licenses }, (_, i) => `CHAOS-${productId}-${i}-${stack.prefix}`).join('\n');
    const { added } = await poolApi<{ added: number }>(stack, 'POST', `/pools/${poolId}/licenses`, values);
    const { items } = await poolApi<{ items: { licenseId: string }[] }>(stack, 'GET', `/pools/${poolId}/licenses?status=available&limit=3`);
    for (const { licenseId } of items) await poolApi(stack, 'DELETE', `/pools/${poolId}/licenses/${licenseId}`);
    pools.push({ poolId, productId, imported: added, withdrawn: items.length });
  }
  return pools;
}

async function poolApi<T = unknown>(stack: ChaosStack, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${TEST_KEYS.support}` };
  if (typeof body === 'string') headers['content-type'] = 'text/plain';
  else if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack.services.pool.url}/v1${path}`, { method, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
