import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ServiceName } from '@keypool/testing';
import type { Timeline } from './timeline';

const repoRoot = join(__dirname, '../..');

/**
 * One service as a process that is started again after it dies, a fixed delay later, the way an
 * orchestrator restarts a crashed pod. Chaos kills and pauses it; only stop() ends it for good.
 */
export class SupervisedService {
  private child?: ChildProcess;
  private stopping = false;
  /** Set by kill(downMs): how long the next restart waits instead of the usual delay. */
  private nextDelayMs?: number;
  restarts = 0;

  constructor(
    readonly name: ServiceName,
    readonly url: string,
    private readonly env: Record<string, string>,
    readonly logFile: string,
    private readonly timeline: Timeline,
    private readonly restartDelayMs: number,
    /** The name in the timeline and the report: `pool-service`, or `pool-service#2` when a service runs twice. */
    readonly label: string = name,
  ) {}

  start(): void {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, ['-r', '@swc-node/register', `apps/${this.name}/src/main.ts`], {
      cwd: repoRoot,
      env: { ...process.env, ...this.env, PORT: new URL(this.url).port },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.timeline.note('exited', this.label, signal ?? `code ${code}`);
      const delay = this.nextDelayMs ?? this.restartDelayMs;
      this.nextDelayMs = undefined;
      setTimeout(() => {
        if (this.stopping) return;
        this.restarts += 1;
        this.timeline.note('restarted', this.label);
        this.start();
      }, delay);
    });
    this.child = child;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (
        await fetch(`${this.url}/health/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${this.label} was not ready within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** SIGKILL; the supervisor starts it again after `downMs`, or after its usual delay. */
  kill(downMs?: number): void {
    this.nextDelayMs = downMs;
    this.timeline.note('SIGKILL', this.label, downMs === undefined ? undefined : `down ${downMs / 1000} s`);
    this.child?.kill('SIGKILL');
  }

  /** SIGSTOP then SIGCONT: a handler (or a GC pause) longer than the consumer session timeout. */
  async pause(ms: number): Promise<void> {
    this.timeline.note('SIGSTOP', this.label, `${ms / 1000} s`);
    const paused = this.child;
    paused?.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, ms));
    paused?.kill('SIGCONT');
    this.timeline.note('SIGCONT', this.label);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    await exited;
    clearTimeout(timer);
  }
}
