import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { dataschemaOf, exampleEventData, type LicenseAllocatedData, type PoolLowData } from '@keypool/contracts';
import { envelope } from '@keypool/messaging';
import { createTopics, produceCloudEvents, testKafka, uniqueName, waitUntil } from '@keypool/testing';
import { runCli } from './cli';

const kafka = testKafka();
const root = join(__dirname, '../../..');
const main = join(root, 'apps/support-cli/src/main.ts');
const brokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

/** `npm run support -- <argv>` as its own process, stdout and stderr piped (so neither is a terminal). */
function support(argv: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main, ...argv], { cwd: root, env: { ...process.env, KAFKA_BROKERS: brokers, ...env } });
  const run: Run = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

/** The same under a pseudo-terminal (util-linux `script`): stdout and stderr both are a terminal, merged. */
function supportOnTerminal(argv: string[], env: Record<string, string>): Run {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, '-r', '@swc-node/register', main, ...argv].map(quote).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: root, env: { ...process.env, KAFKA_BROKERS: brokers, ...env } });
  const run: Run = { child, stdout: '', stderr: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout?.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

describe('the support CLI as its own process', () => {
  it('prints each command its own help with exit 0; wrong usage exits 2 and a failure 1, each with one line on stderr', async () => {
    for (const command of ['order', 'orders', 'resend', 'replay', 'dlq', 'stuck', 'alerts']) {
      const out: string[] = [];
      expect(await runCli([command, '--help'], {}, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
      expect(out.join('\n')).toContain(`npm run support -- ${command} `);
      expect(out.join('\n')).not.toContain('npm run support -- version');
    }
    // As processes, the exit codes a shell sees (the version is checked in cli-version.spec.ts).
    const [help, wrong, failed] = [
      support(['replay', '--help']),
      support(['replay', '--since', '2026-11-29', '--frobnicate']),
      support(['dlq', 'list', uniqueName('no-such-topic')]),
    ];
    expect(await help.exited).toBe(0);
    expect(help.stdout).toContain('npm run support -- replay --since <time>');
    expect(help.stderr).toBe('');
    expect(await wrong.exited).toBe(2);
    expect(wrong.stderr).toBe('error: replay has no option --frobnicate (npm run support -- replay --help lists its options)\n');
    expect(await failed.exited).toBe(1);
    expect(failed.stderr).toMatch(
      /^error: there is no topic no-such-topic-\w+\.dlq: nothing was ever dead-lettered there, or the name is wrong \(dlq list --all lists every DLQ\)\n$/,
    );
  });

  it('alerts tail prints each PoolLow published to the real broker as a line a person reads, and stops after --max', async () => {
    const topic = uniqueName('pool-low');
    await createTopics(kafka, [topic], 3);
    const tail = support(['alerts', 'tail', '--max', '2'], { TOPIC_POOL_LOW: topic });
    await waitUntil(() => tail.stderr.includes(`following ${topic}; Ctrl-C to stop`), 30000, 'the tail to be in place');
    const named = envelope<PoolLowData>({
      type: 'PoolLow',
      source: 'keypool/pool-service',
      dataschema: dataschemaOf('PoolLow'),
      data: { ...exampleEventData.PoolLow, poolId: 'pool_named', poolName: 'Editor (EUR)', mode: 'live', currency: 'EUR', available: 3, threshold: 10 },
    });
    // From a pool-service that predates poolName and mode: named by its id.
    const { poolName: _name, mode: _mode, ...v1 } = exampleEventData.PoolLow;
    const old = envelope<PoolLowData>({
      type: 'PoolLow',
      source: 'keypool/pool-service',
      data: { ...v1, poolId: 'pool_v1', level: 'empty', available: 0, backordered: 1 },
    });
    await produceCloudEvents(kafka, topic, 'pool', ['not an event', named, old]);
    expect(await tail.exited).toBe(0);
    expect(tail.stdout.split('\n')).toEqual([
      `${named.time}  LOW    "Editor (EUR)"  live  product p_editor  currency EUR  stock 3 / threshold 10  merchant m_acme  pool pool_named`,
      `${old.time}  EMPTY  pool pool_v1  mode ?  product p_editor  currency all  stock 0 / threshold 10, 1 line(s) waiting  merchant m_acme`,
      '',
    ]);
    expect(tail.stderr).toMatch(/skipped pool-low-\w+ \d+:0: not a valid PoolLow \(message value is not valid JSON/);
  });

  it('draws the progress bar of a long replay on stderr only when stderr is a terminal', async () => {
    const topic = uniqueName('license-allocated');
    await createTopics(kafka, [topic], 3);
    const events = Array.from({ length: 40 }, (_, i) =>
      envelope<LicenseAllocatedData>({
        type: 'LicenseAllocated',
        source: 'keypool/pool-service',
        data: { ...exampleEventData.LicenseAllocated, orderId: `ord_bar_${i}` },
      }),
    );
    await produceCloudEvents(kafka, topic, 'ord_bar', events);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    // Drawn from the first message on (no delay), so even this short read would show it on a terminal.
    const env = { TOPIC_LICENSE_ALLOCATED: topic, KEYPOOL_PROGRESS_AFTER_MS: '0' };

    const [piped, onTerminal] = [support(['replay', '--since', since], env), supportOnTerminal(['replay', '--since', since], env)];
    expect(await piped.exited).toBe(0);
    expect(piped.stdout).toContain('40 message(s) read in the window, 40 original e-mail(s) matched');
    expect(piped.stderr).toBe('');

    expect(await onTerminal.exited).toBe(0);
    expect(onTerminal.stdout).toContain(`\rreading ${topic} [`);
    expect(onTerminal.stdout).toContain('40/40');
    expect(onTerminal.stdout).toContain('40 message(s) read in the window, 40 original e-mail(s) matched');
  });
});
