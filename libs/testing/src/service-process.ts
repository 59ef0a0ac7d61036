import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A port the OS has just handed out as free. Ports picked at random collide with the ephemeral
 * ports of the many client connections tests open (a Kafka client, a PostgreSQL pool).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const repoRoot = join(__dirname, '../../..');

/**
 * Starts processes side by side and hands back all of them, or none: when one fails to start,
 * the ones that did are stopped before its error is thrown (a process left running keeps jest,
 * the bench or the demo from exiting).
 */
export async function startAllOrNone<T extends { stop(): Promise<unknown> }>(starts: Promise<T>[]): Promise<T[]> {
  const started = await Promise.allSettled(starts);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.stop()] : [])));
    throw failed.reason;
  }
  return started.map((s) => (s as PromiseFulfilledResult<T>).value);
}

export type ServiceName = 'pool-service' | 'order-fulfillment-service' | 'notification-service';

/**
 * A keypool service in its own process, started from source the way `npm run demo` starts it.
 * Output goes to a log file so a failing test can point at it.
 */
export class ServiceProcess {
  private constructor(
    readonly name: ServiceName,
    readonly url: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {}

  /**
   * `from: 'build'` runs the compiled service from dist/ (`npm run build`) as the Dockerfile does,
   * which is what the bench measures memory on: compiling in the process costs ~80 MiB of RSS.
   */
  static async start(
    name: ServiceName,
    env: Record<string, string>,
    port: number,
    logDir: string,
    from: 'source' | 'build' = 'source',
  ): Promise<ServiceProcess> {
    const logFile = join(logDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const entry =
      from === 'build' ? ['-r', 'tsconfig-paths/register', `dist/apps/${name}/src/main.js`] : ['-r', '@swc-node/register', `apps/${name}/src/main.ts`];
    const paths = from === 'build' ? { TS_NODE_BASEURL: join(repoRoot, 'dist'), TS_NODE_PROJECT: join(repoRoot, 'tsconfig.base.json') } : {};
    const child = spawn(process.execPath, entry, {
      cwd: repoRoot,
      env: { ...process.env, ...paths, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const service = new ServiceProcess(name, `http://127.0.0.1:${port}`, child, logFile);
    // A service that never got ready is stopped here: the caller has no handle to stop it by.
    await service.waitUntilReady(90000).catch(async (error: unknown) => {
      await service.stop();
      throw error;
    });
    return service;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited with ${this.child.exitCode}; see ${this.logFile}`);
      const ready = await fetch(`${this.url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** SIGTERM, as an orchestrator stops a pod: in-flight work finishes and commits. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
