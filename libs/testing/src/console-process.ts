import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const repoRoot = join(__dirname, '../../..');

/**
 * The ops & support console (apps/console) as its own process, as the demo starts it. `env`
 * names the services (POOL_URL, FULFILLMENT_URL, NOTIFICATION_URL), API_KEYS, KAFKA_BROKERS and
 * the TOPIC_* of the system under test; it listens on `port`, by default one the OS hands out.
 */
export class ConsoleProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly logFile: string,
  ) {}

  static async start(env: Record<string, string>, logDir: string, port = 0): Promise<ConsoleProcess> {
    const logFile = join(logDir, 'console.log');
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/console/src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env, CONSOLE_PORT: String(port), CONSOLE_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.pipe(log);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the console did not start within 90 s; see ${logFile}`)), 90000);
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        log.write(`${line}\n`);
        try {
          const parsed = JSON.parse(line) as { url?: string };
          if (parsed.url) {
            clearTimeout(timer);
            resolve(parsed.url.replace('localhost', '127.0.0.1').replace(/\/$/, ''));
          }
        } catch {
          // not a JSON line: kept in the log only
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the console exited with ${code}; see ${logFile}`));
      });
    });
    return new ConsoleProcess(child, url, logFile);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15000);
    await exited;
    clearTimeout(timer);
  }
}
