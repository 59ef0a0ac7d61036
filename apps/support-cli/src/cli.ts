import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { topicsFromEnv } from '@keypool/contracts';
import { toolKafka } from '@keypool/messaging';
import { allDlqTopics, dlqTopicOf, listDeadLetters, redriveDeadLetters, showDeadLetter, UnknownTopicError } from '@keypool/operations';
import { describeAlert, tailPoolAlerts } from './alerts';
import { Command, UsageError, helpText, parseCommand } from './args';
import { age, printListing, printRedrive } from './dlq/dlq-output';
import { type LicenseHistory, printLicenseHistory, readLicenseValue, readStdin } from './licenses';
import { type Progress, type ProgressFactory, noProgress } from './progress';
import { ReplayReport, replayLicenseEmails } from './replay';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** A progress bar for long replays and redrives; main.ts gives one only when stderr is a terminal. */
  progress?: ProgressFactory;
  /** Ends a command that follows a topic (alerts tail): Ctrl-C. */
  signal?: AbortSignal;
  /** What `--value-file -` reads (process.stdin unless given). */
  stdin?: () => Promise<Buffer>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The version of the keypool package the CLI ships in (from source and from the image's dist/ alike). */
export function cliVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'keypool' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

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
        io.out(helpText(command.command));
        return 0;
      case 'version':
        io.out(`keypool support CLI ${cliVersion()}`);
        return 0;
      case 'replay': {
        const topic = topicsFromEnv(env).licenseAllocated;
        const report = await replayLicenseEmails(kafkaOf(env), topic, command, command.publish, io.progress ?? noProgress);
        if (command.json) io.out(JSON.stringify(report, null, 2));
        else describeReplay(report, io);
        return 0;
      }
      case 'dlq-list': {
        const kafka = kafkaOf(env);
        const topics = typeof command.topic === 'string' ? [dlqTopicOf(command.topic)] : await allDlqTopics(kafka);
        const listings = [];
        for (const topic of topics) listings.push(await listDeadLetters(kafka, topic, command.filter, command.limit));
        if (command.json) io.out(JSON.stringify({ dlqs: listings }, null, 2));
        else if (topics.length === 0) io.out('no dead-letter topics (<topic>.dlq) on this cluster');
        else for (const listing of listings) printListing(listing, Date.now(), io.out);
        return 0;
      }
      case 'dlq-show': {
        const record = await showDeadLetter(kafkaOf(env), dlqTopicOf(command.topic), command.position);
        io.out(JSON.stringify({ ...record, age: age(Date.now() - (record['timestamp'] as number)) }, null, 2));
        return 0;
      }
      case 'dlq-redrive': {
        const topic = dlqTopicOf(command.topic);
        // The bar starts at the first record read, when the library knows how many there are.
        let bar: Progress | undefined;
        const report = await redriveDeadLetters(kafkaOf(env), topic, command.selection, command.publish, (read, total) => {
          bar ??= (io.progress ?? noProgress)(`reading ${topic}`, total);
          bar.update(read);
        }).finally(() => bar?.done());
        if (command.json) io.out(JSON.stringify(report, null, 2));
        else printRedrive(report, Date.now(), io.out);
        return 0;
      }
      case 'alerts-tail':
        return await tailAlerts(env, io, command);
      case 'stuck':
        return await listStuckLines(env, io, command);
      case 'order':
        return await callFulfillment(env, io, 'GET', `/v1/orders/${encodeURIComponent(command.orderId)}`);
      case 'orders':
        return await listOrders(env, io, command);
      case 'resend': {
        const line = command.lineId !== undefined ? `/lines/${encodeURIComponent(command.lineId)}` : '';
        return await callFulfillment(env, io, 'POST', `/v1/orders/${encodeURIComponent(command.orderId)}${line}/resend`);
      }
      case 'license-lookup': {
        const value = await readLicenseValue(command.valueFile, io.stdin ?? (() => readStdin()));
        const body = { value, ...(command.merchantId !== undefined ? { merchantId: command.merchantId } : {}) };
        return showLicense(await callApi<LicenseHistory>(env, io, 'pool-service', 'POST', '/v1/licenses/lookup', body), command.json, io);
      }
      case 'license-history':
        return showLicense(
          await callApi<LicenseHistory>(env, io, 'pool-service', 'GET', `/v1/licenses/${encodeURIComponent(command.licenseId)}/history`),
          command.json,
          io,
        );
    }
  } catch (error) {
    io.err(`error: ${oneLine(error)}`);
    return 1;
  }
}

/** An error as one line: its message, without a stack or the lines a library may add. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').slice(0, 1000);
}

/** Follows pool-low until --max alerts or the signal (Ctrl-C); a line each, or a JSON object each. */
async function tailAlerts(env: Env, io: Io, command: Extract<Command, { name: 'alerts-tail' }>): Promise<number> {
  const topic = topicsFromEnv(env).poolLow;
  try {
    await tailPoolAlerts(kafkaOf(env), topic, command, {
      onAlert: (alert) => io.out(command.json ? JSON.stringify(alert) : describeAlert(alert)),
      onInvalid: (where, reason) => io.err(`skipped ${topic} ${where}: not a valid PoolLow (${reason})`),
      onReady: () => io.err(`following ${topic}${command.since ? ` from ${command.since.toISOString()}` : ''}; Ctrl-C to stop`),
      ...(io.signal ? { signal: io.signal } : {}),
    });
  } catch (error) {
    if (!(error instanceof UnknownTopicError)) throw error;
    io.err(`error: there is no topic ${topic} (set TOPIC_POOL_LOW to the deployment's name for it)`);
    return 1;
  }
  return 0;
}

/**
 * Connects as the services do (the messaging library's KAFKA_BROKERS, KAFKA_SSL* and KAFKA_SASL_*
 * settings), with support's own Kafka user; a failure reaches the user as one line (runCli).
 */
function kafkaOf(env: Env): Kafka {
  return toolKafka(env, 'keypool-support-cli');
}

function describeReplay(report: ReplayReport, io: Io): void {
  for (const line of report.lines) {
    const resend = line.resend ? ` -> resend ${line.resend}` : '';
    io.out(
      `order ${line.orderId} line ${line.lineId} (merchant ${line.merchantId}, product ${line.productId}): original ${line.original} of ${line.originalAt}${resend}`,
    );
  }
  const verb = report.published ? 'published' : report.lines.length > 0 ? 'would publish (dry run; add --publish to send)' : 'nothing to publish';
  io.out(
    `${report.topic}: ${report.scanned} message(s) read in the window, ${report.lines.length} original e-mail(s) matched, ` +
      `${report.skippedResends} resend(s) and ${report.invalid} invalid message(s) left alone; ${report.lines.length > 0 ? `${report.lines.length} resend(s) ` : ''}${verb}`,
  );
}

interface OrderSummary {
  orderId: string;
  status: string;
  receivedAt: string;
  customerEmail: string;
  lines: { lineId: string; productId: string; quantity: number; status: string }[];
}

/** Follows nextCursor until --max orders or the end; one line per order. */
async function listOrders(env: Env, io: Io, command: Extract<Command, { name: 'orders' }>): Promise<number> {
  let cursor: string | undefined;
  let shown = 0;
  const all: OrderSummary[] = [];
  do {
    const query = new URLSearchParams({ merchantId: command.merchantId, limit: String(Math.min(500, command.max - shown)) });
    if (command.customerEmail) query.set('customerEmail', command.customerEmail);
    if (command.status) query.set('status', command.status);
    if (cursor) query.set('cursor', cursor);
    const page = await fulfillment<{ orders: OrderSummary[]; nextCursor?: string }>(env, io, 'GET', `/v1/orders?${query.toString()}`);
    if (!page.ok) return page.code;
    if (command.json) all.push(...page.body.orders);
    else
      for (const order of page.body.orders) {
        const lines = order.lines.map((l) => `${l.lineId}:${l.productId}x${l.quantity}=${l.status}`).join(' ');
        io.out(`${order.orderId}  ${order.status.padEnd(9)}  ${order.receivedAt}  ${order.customerEmail}  ${lines}`);
      }
    shown += page.body.orders.length;
    cursor = page.body.nextCursor;
  } while (cursor && shown < command.max);
  if (command.json) io.out(JSON.stringify({ orders: all, more: cursor !== undefined }, null, 2));
  else io.out(`${shown} order(s)${cursor ? `; more follow (raise --max to see them)` : ''}`);
  return 0;
}

interface StuckLine {
  orderId: string;
  lineId: string;
  merchantId: string;
  productId: string;
  status: string;
  since: string;
  stuckSeconds: number;
}

/** Order lines still received or allocated after the age: oldest first, following pages up to --max. */
async function listStuckLines(env: Env, io: Io, command: Extract<Command, { name: 'stuck' }>): Promise<number> {
  const lines: StuckLine[] = [];
  let cursor: string | undefined;
  let olderThanSeconds = command.olderThanSeconds;
  do {
    const query = new URLSearchParams({ limit: String(Math.min(500, command.max - lines.length)) });
    if (command.olderThanSeconds !== undefined) query.set('olderThanSeconds', String(command.olderThanSeconds));
    if (command.merchantId) query.set('merchantId', command.merchantId);
    if (cursor) query.set('cursor', cursor);
    const page = await fulfillment<{ olderThanSeconds: number; lines: StuckLine[]; nextCursor?: string }>(
      env,
      io,
      'GET',
      `/v1/stuck-lines?${query.toString()}`,
    );
    if (!page.ok) return page.code;
    lines.push(...page.body.lines);
    olderThanSeconds = page.body.olderThanSeconds;
    cursor = page.body.nextCursor;
  } while (cursor && lines.length < command.max);
  if (command.json) {
    io.out(JSON.stringify({ olderThanSeconds, lines, more: cursor !== undefined }, null, 2));
    return 0;
  }
  for (const l of lines) {
    io.out(`${l.orderId} line ${l.lineId}  merchant ${l.merchantId}  product ${l.productId}  ${l.status} since ${l.since} (${age(l.stuckSeconds * 1000)})`);
  }
  const more = cursor ? '; more follow (raise --max to see them)' : '';
  io.out(`${lines.length} line(s) received or allocated for longer than ${age((olderThanSeconds ?? 0) * 1000)}${more}`);
  return 0;
}

async function callFulfillment(env: Env, io: Io, method: 'GET' | 'POST', path: string): Promise<number> {
  const result = await fulfillment<unknown>(env, io, method, path);
  if (result.ok) io.out(JSON.stringify(result.body, null, 2));
  return result.ok ? 0 : result.code;
}

function showLicense(result: ApiResult<LicenseHistory>, json: boolean, io: Io): number {
  if (!result.ok) return result.code;
  if (json) io.out(JSON.stringify(result.body, null, 2));
  else printLicenseHistory(result.body, io.out);
  return 0;
}

type ApiResult<T> = { ok: true; body: T } | { ok: false; code: number };

/** Where each service's HTTP API is: its URL setting and the local default. */
const SERVICE_URLS = {
  'order-fulfillment': { env: 'FULFILLMENT_URL', fallback: 'http://127.0.0.1:3002' },
  'pool-service': { env: 'POOL_URL', fallback: 'http://127.0.0.1:3001' },
} as const;

function fulfillment<T>(env: Env, io: Io, method: 'GET' | 'POST', path: string): Promise<ApiResult<T>> {
  return callApi<T>(env, io, 'order-fulfillment', method, path);
}

/** One call with the support key; a body goes as JSON (a license value travels only there, never in the path). */
async function callApi<T>(env: Env, io: Io, service: keyof typeof SERVICE_URLS, method: 'GET' | 'POST', path: string, body?: object): Promise<ApiResult<T>> {
  const key = env['KEYPOOL_API_KEY'];
  if (!key) {
    io.err('error: set KEYPOOL_API_KEY to a support API key (one of the keys in API_KEYS mapped to "support")');
    return { ok: false, code: 2 };
  }
  const base = (env[SERVICE_URLS[service].env] ?? SERVICE_URLS[service].fallback).replace(/\/$/, '');
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) };
  const response = await fetch(`${base}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  if (!response.ok) {
    const message = safeJson(text)?.['message'] ?? text;
    io.err(`error: ${service} answered ${response.status}: ${typeof message === 'string' ? message : JSON.stringify(message)}`);
    return { ok: false, code: 1 };
  }
  return { ok: true, body: (safeJson(text) ?? text) as T };
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
