import { Kafka, logLevel } from 'kafkajs';
import { topicsFromEnv } from '@keypool/contracts';
import { Command, USAGE, UsageError, parseCommand } from './args';
import { ReplayReport, replayLicenseEmails } from './replay';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Runs one command; returns the exit code (0 done, 1 failed, 2 wrong usage). */
export async function runCli(argv: string[], env: Env, io: Io): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}`);
    return 2;
  }
  try {
    switch (command.name) {
      case 'help':
        io.out(USAGE);
        return 0;
      case 'replay': {
        const kafka = new Kafka({ clientId: 'keypool-support-cli', brokers: (env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), logLevel: logLevel.ERROR });
        const topic = topicsFromEnv(env).licenseAllocated;
        const report = await replayLicenseEmails(kafka, topic, command, command.publish);
        describeReplay(report, io);
        return 0;
      }
      case 'order':
        return await callFulfillment(env, io, 'GET', `/v1/orders/${encodeURIComponent(command.orderId)}`);
      case 'resend': {
        const line = command.lineId !== undefined ? `/lines/${encodeURIComponent(command.lineId)}` : '';
        return await callFulfillment(env, io, 'POST', `/v1/orders/${encodeURIComponent(command.orderId)}${line}/resend`);
      }
    }
  } catch (error) {
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function describeReplay(report: ReplayReport, io: Io): void {
  for (const line of report.lines) {
    const resend = line.resend ? ` -> resend ${line.resend}` : '';
    io.out(`order ${line.orderId} line ${line.lineId} (merchant ${line.merchantId}, product ${line.productId}): original ${line.original} of ${line.originalAt}${resend}`);
  }
  const verb = report.published ? 'published' : report.lines.length > 0 ? 'would publish (dry run; add --publish to send)' : 'nothing to publish';
  io.out(
    `${report.topic}: ${report.scanned} message(s) read in the window, ${report.lines.length} original e-mail(s) matched, ` +
      `${report.skippedResends} resend(s) and ${report.invalid} invalid message(s) left alone; ${report.lines.length > 0 ? `${report.lines.length} resend(s) ` : ''}${verb}`,
  );
}

async function callFulfillment(env: Env, io: Io, method: 'GET' | 'POST', path: string): Promise<number> {
  const key = env['KEYPOOL_API_KEY'];
  if (!key) {
    io.err('error: set KEYPOOL_API_KEY to a support API key (one of the keys in API_KEYS mapped to "support")');
    return 2;
  }
  const base = (env['FULFILLMENT_URL'] ?? 'http://127.0.0.1:3002').replace(/\/$/, '');
  const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  if (!response.ok) {
    const message = safeJson(text)?.['message'] ?? text;
    io.err(`error: order-fulfillment answered ${response.status}: ${typeof message === 'string' ? message : JSON.stringify(message)}`);
    return 1;
  }
  io.out(JSON.stringify(safeJson(text) ?? text, null, 2));
  return 0;
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
