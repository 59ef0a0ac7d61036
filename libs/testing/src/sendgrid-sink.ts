import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const SINK_API_KEY = 'SG.test-sink-key';
const repoRoot = join(__dirname, '../../..');

/** One e-mail as the sink stores it: one per personalization of an accepted request. */
export interface SinkMessage {
  /** The request's X-Message-Id for its first personalization, `<X-Message-Id>.<i>` for the others. */
  id: string;
  /** The X-Message-Id of the request that carried this e-mail. */
  requestId: string;
  /** Index of the personalization within its request. */
  personalization: number;
  receivedAt: string;
  from: { email: string; name?: string };
  /** Where replies go; null when the request named no reply-to. */
  reply_to: { email: string; name?: string } | null;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text?: string;
  html?: string;
  custom_args?: Record<string, string>;
  categories?: string[];
  /** The request body as received: a batched request carries placeholders and substitutions. */
  requestBody: Record<string, unknown>;
}

/**
 * The SendGrid-compatible sink as its own process, the way services meet it in the stack;
 * tests reach it over HTTP only (apps never import each other).
 */
export class SinkProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(port = 0, apiKey = SINK_API_KEY, maxMessages = 10000): Promise<SinkProcess> {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/sendgrid-sink/src/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, SENDGRID_SINK_PORT: String(port), SENDGRID_API_KEY: apiKey, SENDGRID_SINK_MAX_MESSAGES: String(maxMessages) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const parsed = JSON.parse(line) as { url?: string };
        if (parsed.url) resolve(parsed.url.replace('localhost', '127.0.0.1'));
      });
      child.once('exit', (code) => reject(new Error(`sendgrid-sink exited with ${code}`)));
    });
    return new SinkProcess(child, url);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async messages(to?: string): Promise<SinkMessage[]> {
    const response = await fetch(`${this.url}/__messages${to ? `?to=${encodeURIComponent(to)}` : ''}`);
    return (await response.json()) as SinkMessage[];
  }

  async failNext(status: 400 | 429 | 500 | 503, count: number, retryAfter?: number): Promise<void> {
    await fetch(`${this.url}/__control/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status, count, ...(retryAfter !== undefined ? { retryAfter } : {}) }),
    });
  }

  async reset(): Promise<void> {
    await fetch(`${this.url}/__control/reset`, { method: 'POST' });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
