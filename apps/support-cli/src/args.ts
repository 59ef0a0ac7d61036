import { parseArgs } from 'node:util';

export type Command =
  | { name: 'replay'; since: Date; until?: Date; merchantIds: string[]; orderIds: string[]; publish: boolean }
  | { name: 'order'; orderId: string }
  | { name: 'orders'; merchantId: string; customerEmail?: string; status?: string; max: number }
  | { name: 'resend'; orderId: string; lineId?: string }
  | { name: 'help' };

export class UsageError extends Error {}

export const USAGE = `keypool support CLI

  npm run support -- order <orderId>
      the order as support sees it: statuses, lines, license ids, e-mail history
  npm run support -- orders --merchant <id> [--email <customer e-mail>] [--status <status>] [--max <n>]
      a merchant's orders, newest first (one line each), following pages up to --max (200)
  npm run support -- resend <orderId> [<lineId>]
      e-mail the saved licenses of the order (or one line) again, through order-fulfillment
  npm run support -- replay --since <time> [--until <time>] [--merchant <id>]... [--order <id>]... [--publish]
      read license-allocated over the window and send every original e-mail in it again as a
      resend (new event id, resendof = the original). Without --publish it only lists what it
      would send. Times are ISO 8601, e.g. 2026-11-29T10:00:00Z.

  environment: KAFKA_BROKERS (127.0.0.1:9092), TOPIC_LICENSE_ALLOCATED (license-allocated),
  FULFILLMENT_URL (http://127.0.0.1:3002), KEYPOOL_API_KEY (a support API key, for order and resend)`;

/** Parses the command line; a UsageError says exactly what to fix. */
export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (name === 'order' || name === 'resend') {
    const { positionals } = asUsage(() => parseArgs({ args: rest, allowPositionals: true, strict: true }));
    const [orderId, lineId, extra] = positionals;
    if (!orderId) throw new UsageError(`${name} needs an order id: npm run support -- ${name} <orderId>${name === 'resend' ? ' [<lineId>]' : ''}`);
    if (extra !== undefined || (name === 'order' && lineId !== undefined)) throw new UsageError(`${name} takes ${name === 'order' ? 'one argument' : 'at most two arguments'}, got: ${positionals.join(' ')}`);
    return name === 'order' ? { name, orderId } : { name, orderId, ...(lineId !== undefined ? { lineId } : {}) };
  }
  if (name === 'orders') {
    const { values, positionals } = asUsage(() =>
      parseArgs({
        args: rest,
        allowPositionals: true,
        strict: true,
        options: { merchant: { type: 'string' }, email: { type: 'string' }, status: { type: 'string' }, max: { type: 'string' } },
      }),
    );
    if (positionals.length > 0) throw new UsageError(`orders takes only options, got: ${positionals.join(' ')}`);
    if (!values.merchant) throw new UsageError('orders needs --merchant <merchantId>: support keys list one merchant at a time');
    const max = values.max === undefined ? 200 : Number(values.max);
    if (!Number.isInteger(max) || max < 1 || max > 10_000) throw new UsageError(`--max must be a whole number from 1 to 10000, got ${values.max}`);
    return {
      name,
      merchantId: values.merchant,
      ...(values.email !== undefined ? { customerEmail: values.email } : {}),
      ...(values.status !== undefined ? { status: values.status } : {}),
      max,
    };
  }
  if (name === 'replay') {
    const { values, positionals } = asUsage(() =>
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
        },
      }),
    );
    if (positionals.length > 0) throw new UsageError(`replay takes only options, got: ${positionals.join(' ')}`);
    if (typeof values.since !== 'string') throw new UsageError('replay needs --since <time> (ISO 8601, e.g. 2026-11-29T10:00:00Z): a replay without a window would resend the whole topic');
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
    };
  }
  throw new UsageError(`unknown command "${name}"; the commands are order, orders, resend and replay (npm run support -- help)`);
}

/** node:util's own messages name the unknown or malformed option; they become usage errors. */
function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function instant(flag: string, text: string): Date {
  // Date.parse accepts much; a support tool should only take what it cannot misread.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`${flag} "${text}" is not an ISO 8601 time; write e.g. 2026-11-29T10:00:00Z or 2026-11-29`);
  }
  return new Date(text);
}
