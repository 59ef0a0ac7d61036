import { parseArgs } from 'node:util';
import type { DeadLetterFilter, DlqPosition, RedriveSelection } from '@keypool/operations';

export type Command =
  | { name: 'replay'; since: Date; until?: Date; merchantIds: string[]; orderIds: string[]; publish: boolean; json: boolean }
  | { name: 'order'; orderId: string }
  | { name: 'orders'; merchantId: string; customerEmail?: string; status?: string; max: number; json: boolean }
  | { name: 'resend'; orderId: string; lineId?: string }
  | { name: 'dlq-list'; topic: string | { all: true }; filter: DeadLetterFilter; limit: number; json: boolean }
  | { name: 'dlq-show'; topic: string; position: DlqPosition }
  | { name: 'dlq-redrive'; topic: string; selection: RedriveSelection; publish: boolean; json: boolean }
  | { name: 'stuck'; olderThanSeconds?: number; merchantId?: string; json: boolean; max: number }
  | { name: 'alerts-tail'; since?: Date; merchantIds: string[]; mode?: 'live' | 'test'; max?: number; json: boolean }
  | { name: 'license-lookup'; valueFile: string; merchantId?: string; json: boolean }
  | { name: 'license-history'; licenseId: string; json: boolean }
  | { name: 'help'; command?: string }
  | { name: 'version' };

export class UsageError extends Error {}

const COMMANDS = ['order', 'orders', 'resend', 'replay', 'dlq', 'stuck', 'alerts', 'license'] as const;

/** Each command's own help, printed by `<command> --help`; all of them make the usage. */
const HELP: Record<(typeof COMMANDS)[number], string> = {
  order: `  npm run support -- order <orderId> [--json]
      the order as support sees it: statuses (status refunded or partially_refunded once refunded,
      refundStatus, each line's refundedAt and refundReason), lines, license ids, e-mail history (always JSON)`,
  orders: `  npm run support -- orders --merchant <id> [--email <customer e-mail>] [--status <status>] [--max <n>] [--json]
      a merchant's orders, newest first (one line each), following pages up to --max (200);
      --status: received, fulfilled, refunded, partially_refunded, or a line status (orders with such a line)`,
  resend: `  npm run support -- resend <orderId> [<lineId>] [--json]
      e-mail the saved licenses of the order (or one line) again, through order-fulfillment;
      prints the service's answer (always JSON)`,
  replay: `  npm run support -- replay --since <time> [--until <time>] [--merchant <id>]... [--order <id>]... [--publish] [--json]
      read license-allocated over the window and send every original e-mail in it again as a
      resend (new event id, resendof = the original). Without --publish it only lists what it
      would send. Times are ISO 8601, e.g. 2026-11-29T10:00:00Z. A progress bar on stderr when
      stderr is a terminal.`,
  dlq: `  npm run support -- dlq list <topic> | --all [--since <time>] [--type <CloudEvents type>] [--reason <text>] [--limit <n>] [--json]
      the dead letters of <topic> (its <topic>.dlq), oldest first: where each is, key, event id,
      type, reason, where it came from, consumer group, attempts, age. Never event data.
  npm run support -- dlq show <topic> <partition>:<offset> [--json]
      one dead letter in full: headers, event attributes, and its data's field names only (always JSON)
  npm run support -- dlq redrive <topic> <partition>:<offset>... | --all [--since] [--type] [--reason] [--publish] [--json]
      send dead letters back to their original topic: same key, value (event id) and headers,
      without the dlq-* ones. Without --publish it only lists what it would send. A progress bar
      on stderr when stderr is a terminal.`,
  stuck: `  npm run support -- stuck [--older-than <15m|2h|1d>] [--merchant <id>] [--max <n>] [--json]
      order lines still received or allocated after that long (default: the service's
      STUCK_LINE_AGE_MS), oldest first`,
  alerts: `  npm run support -- alerts tail [--since <time>] [--merchant <id>]... [--mode live|test] [--max <n>] [--json]
      follow the pool-low topic and print each PoolLow as it comes: time, level, pool name, mode,
      product, currency, stock against threshold, lines waiting. From now on, or from --since;
      stops after --max alerts, or on Ctrl-C. --json prints one JSON object per line.`,
  license: `  npm run support -- license lookup --value-file <file | -> [--merchant <id>] [--json]
      which license a value is, and its history: pool, status, import, allocation, e-mails,
      reveals, withdrawal, revocation. The value is read from the file (- : stdin), never from
      the command line, where ps would show it; it is matched by its keyed hash in pool-service.
      Without --merchant every merchant is searched (a value two merchants hold asks for one).
  npm run support -- license history <licenseId> [--json]
      the same for a license id (from an order, a LicenseRevoked event or the reveal log)`,
};

export const USAGE = `keypool support CLI

  npm run support -- help | --help        this text (<command> --help: that command only)
  npm run support -- version | --version  the CLI's version

${COMMANDS.map((c) => HELP[c]).join('\n')}

  --json: one JSON document on stdout (alerts tail: one JSON object per line). Errors: one line
  on stderr; exit 1 when the command failed, 2 for wrong usage.

  environment: KAFKA_BROKERS (127.0.0.1:9092), KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE,
  KAFKA_SSL_KEY_FILE, KAFKA_SSL_REJECT_UNAUTHORIZED, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
  KAFKA_SASL_PASSWORD (as for the services), TOPIC_LICENSE_ALLOCATED (license-allocated),
  TOPIC_POOL_LOW (pool-low), FULFILLMENT_URL (http://127.0.0.1:3002), POOL_URL
  (http://127.0.0.1:3001), KEYPOOL_API_KEY (a support API key, for orders, order, resend, stuck
  and license)`;

/** The help for one command, or the whole usage. */
export function helpText(command?: string): string {
  const own = COMMANDS.find((c) => c === command);
  return own ? `keypool support CLI: ${own}\n\n${HELP[own]}\n\n  npm run support -- --help lists every command and the environment.` : USAGE;
}

const json = { json: { type: 'boolean' } } as const;

/** Parses the command line; a UsageError says exactly what to fix. */
export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  // Asking for help or the version never fails, whatever else the line says.
  if (!name || name === 'help' || argv.includes('--help') || argv.includes('-h')) {
    const command = name === 'help' ? rest[0] : name?.startsWith('-') ? undefined : name;
    return command !== undefined ? { name: 'help', command } : { name: 'help' };
  }
  if (name === 'version' || argv.includes('--version') || argv.includes('-V')) return { name: 'version' };
  if (name === 'order' || name === 'resend') {
    // --json is accepted for uniformity: these print JSON already.
    const { positionals } = asUsage(name, () => parseArgs({ args: rest, allowPositionals: true, strict: true, options: json }));
    const [orderId, lineId, extra] = positionals;
    if (!orderId) throw new UsageError(`${name} needs an order id: npm run support -- ${name} <orderId>${name === 'resend' ? ' [<lineId>]' : ''}`);
    if (extra !== undefined || (name === 'order' && lineId !== undefined))
      throw new UsageError(`${name} takes ${name === 'order' ? 'one argument' : 'at most two arguments'}, got: ${positionals.join(' ')}`);
    return name === 'order' ? { name, orderId } : { name, orderId, ...(lineId !== undefined ? { lineId } : {}) };
  }
  if (name === 'orders') {
    const { values, positionals } = asUsage('orders', () =>
      parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: { merchant: { type: 'string' }, email: { type: 'string' }, status: { type: 'string' }, max: { type: 'string' }, ...json },
      }),
    );
    if (positionals.length > 0) throw new UsageError(`orders takes only options, got: ${positionals.join(' ')}`);
    if (!values.merchant) throw new UsageError('orders needs --merchant <merchantId>: support keys list one merchant at a time');
    const max = wholeNumber('--max', values.max, 200);
    return {
      name,
      merchantId: values.merchant,
      ...(values.email !== undefined ? { customerEmail: values.email } : {}),
      ...(values.status !== undefined ? { status: values.status } : {}),
      max,
      json: values.json === true,
    };
  }
  if (name === 'replay') {
    const { values, positionals } = asUsage('replay', () =>
      parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: {
          since: { type: 'string' },
          until: { type: 'string' },
          merchant: { type: 'string', multiple: true },
          order: { type: 'string', multiple: true },
          publish: { type: 'boolean' },
          ...json,
        },
      }),
    );
    if (positionals.length > 0) throw new UsageError(`replay takes only options, got: ${positionals.join(' ')}`);
    if (typeof values.since !== 'string')
      throw new UsageError('replay needs --since <time> (ISO 8601, e.g. 2026-11-29T10:00:00Z): a replay without a window would resend the whole topic');
    const since = instant('--since', values.since);
    const until = typeof values.until === 'string' ? instant('--until', values.until) : undefined;
    if (until && until <= since) throw new UsageError(`--until (${until.toISOString()}) must be after --since (${since.toISOString()})`);
    return {
      name,
      since,
      ...(until ? { until } : {}),
      merchantIds: values.merchant ?? [],
      orderIds: values.order ?? [],
      publish: values.publish === true,
      json: values.json === true,
    };
  }
  if (name === 'dlq') return parseDlqCommand(rest);
  if (name === 'stuck') {
    const { values, positionals } = asUsage('stuck', () =>
      parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: { 'older-than': { type: 'string' }, merchant: { type: 'string' }, max: { type: 'string' }, ...json },
      }),
    );
    if (positionals.length > 0) throw new UsageError(`stuck takes only options, got: ${positionals.join(' ')}`);
    const olderThan = values['older-than'];
    return {
      name,
      ...(olderThan !== undefined ? { olderThanSeconds: durationSeconds('--older-than', olderThan) } : {}),
      ...(values.merchant !== undefined ? { merchantId: values.merchant } : {}),
      json: values.json === true,
      max: wholeNumber('--max', values.max, 200),
    };
  }
  if (name === 'alerts') return parseAlertsCommand(rest);
  if (name === 'license') return parseLicenseCommand(rest);
  throw new UsageError(`unknown command "${name}"; the commands are ${COMMANDS.join(', ')} (npm run support -- help)`);
}

function parseLicenseCommand(argv: string[]): Command {
  const [action, ...rest] = argv;
  if (action === 'lookup') {
    const { values, positionals } = asUsage('license lookup', () =>
      parseArgs({ args: rest, allowPositionals: true, strict: true, options: { 'value-file': { type: 'string' }, merchant: { type: 'string' }, ...json } }),
    );
    if (positionals.length > 0)
      throw new UsageError(
        'license lookup takes no value on the command line, where ps shows it: put it in a file and pass --value-file <file> (or - for stdin)',
      );
    const valueFile = values['value-file'];
    if (!valueFile) throw new UsageError('license lookup needs --value-file <file> (or --value-file - to read stdin)');
    return { name: 'license-lookup', valueFile, ...(values.merchant !== undefined ? { merchantId: values.merchant } : {}), json: values.json === true };
  }
  if (action === 'history') {
    const { values, positionals } = asUsage('license history', () => parseArgs({ args: rest, allowPositionals: true, strict: true, options: json }));
    if (positionals.length !== 1)
      throw new UsageError(`license history needs one license id, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
    return { name: 'license-history', licenseId: positionals[0], json: values.json === true };
  }
  throw new UsageError(`license needs lookup or history, got ${action === undefined ? 'nothing' : `"${action}"`} (npm run support -- license --help)`);
}

function parseAlertsCommand(argv: string[]): Command {
  const [action, ...rest] = argv;
  if (action !== 'tail') throw new UsageError(`alerts needs tail, got ${action === undefined ? 'nothing' : `"${action}"`} (npm run support -- alerts --help)`);
  const { values, positionals } = asUsage('alerts tail', () =>
    parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { since: { type: 'string' }, merchant: { type: 'string', multiple: true }, mode: { type: 'string' }, max: { type: 'string' }, ...json },
    }),
  );
  if (positionals.length > 0) throw new UsageError(`alerts tail takes only options, got: ${positionals.join(' ')}`);
  const mode = values.mode;
  if (mode !== undefined && mode !== 'live' && mode !== 'test') throw new UsageError(`--mode must be live or test, got ${mode}`);
  return {
    name: 'alerts-tail',
    ...(values.since !== undefined ? { since: instant('--since', values.since) } : {}),
    merchantIds: values.merchant ?? [],
    ...(mode !== undefined ? { mode } : {}),
    ...(values.max !== undefined ? { max: wholeNumber('--max', values.max, 1) } : {}),
    json: values.json === true,
  };
}

function parseDlqCommand(argv: string[]): Command {
  const [action, ...rest] = argv;
  const filterOptions = { since: { type: 'string' }, type: { type: 'string' }, reason: { type: 'string' } } as const;
  if (action === 'list') {
    const { values, positionals } = asUsage('dlq list', () =>
      parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: { ...filterOptions, all: { type: 'boolean' }, limit: { type: 'string' }, ...json },
      }),
    );
    if (values.all ? positionals.length > 0 : positionals.length !== 1) {
      throw new UsageError('dlq list takes one topic (e.g. order-paid, or order-paid.dlq) or --all for every dead-letter topic');
    }
    return {
      name: 'dlq-list',
      topic: values.all ? { all: true } : positionals[0],
      filter: dlqFilter(values),
      limit: wholeNumber('--limit', values.limit, 100),
      json: values.json === true,
    };
  }
  if (action === 'show') {
    const { positionals } = asUsage('dlq show', () => parseArgs({ args: rest, allowPositionals: true, strict: true, options: json }));
    if (positionals.length !== 2) throw new UsageError('dlq show takes a topic and a position: dlq show <topic> <partition>:<offset>, as dlq list prints it');
    return { name: 'dlq-show', topic: positionals[0], position: dlqPosition(positionals[1]) };
  }
  if (action === 'redrive') {
    const { values, positionals } = asUsage('dlq redrive', () =>
      parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: { ...filterOptions, all: { type: 'boolean' }, publish: { type: 'boolean' }, ...json },
      }),
    );
    const [topic, ...positions] = positionals;
    if (!topic) throw new UsageError('dlq redrive needs a topic: dlq redrive <topic> <partition>:<offset>... or dlq redrive <topic> --all [filters]');
    const filter = dlqFilter(values);
    if (values.all && positions.length > 0) throw new UsageError('dlq redrive takes either positions or --all, not both');
    if (!values.all && positions.length === 0)
      throw new UsageError('dlq redrive needs the records to send: <partition>:<offset>... (as dlq list prints them) or --all [filters]');
    if (!values.all && Object.keys(filter).length > 0) throw new UsageError('--since, --type and --reason narrow --all; with named positions leave them out');
    const selection: RedriveSelection = values.all ? { all: filter } : { positions: positions.map(dlqPosition) };
    return { name: 'dlq-redrive', topic, selection, publish: values.publish === true, json: values.json === true };
  }
  throw new UsageError(`dlq needs list, show or redrive, got ${action === undefined ? 'nothing' : `"${action}"`} (npm run support -- help)`);
}

function dlqFilter(values: { since?: string; type?: string; reason?: string }): DeadLetterFilter {
  return {
    ...(values.since !== undefined ? { since: instant('--since', values.since) } : {}),
    ...(values.type !== undefined ? { type: values.type } : {}),
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
  };
}

function dlqPosition(text: string): DlqPosition {
  const match = /^(\d{1,9}):(\d{1,19})$/.exec(text);
  if (!match) throw new UsageError(`"${text}" is not a position; write <partition>:<offset>, e.g. 0:42, as dlq list prints it`);
  return { partition: Number(match[1]), offset: String(BigInt(match[2])) };
}

function wholeNumber(flag: string, text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > 10_000) throw new UsageError(`${flag} must be a whole number from 1 to 10000, got ${text}`);
  return value;
}

const SECONDS_PER_UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

function durationSeconds(flag: string, text: string): number {
  const match = /^(\d{1,6})(s|m|h|d)$/.exec(text);
  if (!match) throw new UsageError(`${flag} "${text}" is not a duration; write e.g. 90s, 15m, 2h or 1d`);
  return Number(match[1]) * SECONDS_PER_UNIT[match[2]];
}

/** node:util's own messages name the unknown or malformed option; they become usage errors. */
function asUsage<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    // Some runtimes put the error's name and code in front of the message: keep only the message.
    const message = (error instanceof Error ? error.message : String(error)).replace(/^\w*Error \[\w+\]: /, '');
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    // node:util adds advice about positionals that start with '-', which is never what went wrong here.
    if (unknown) throw new UsageError(`${command} has no option ${unknown[1]} (npm run support -- ${command} --help lists its options)`);
    throw new UsageError(`${command}: ${message}`);
  }
}

function instant(flag: string, text: string): Date {
  // Date.parse accepts much; a support tool should only take what it cannot misread.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`${flag} "${text}" is not an ISO 8601 time; write e.g. 2026-11-29T10:00:00Z or 2026-11-29`);
  }
  return new Date(text);
}
