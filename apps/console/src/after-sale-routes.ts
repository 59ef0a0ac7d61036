import { forward, match } from './route-match';
import { type ServiceAnswer, problem } from './service-api';

/** pool-service as the signed-in user: method, path under /v1, JSON body. */
export type PoolCall = (method: 'GET' | 'POST' | 'PATCH', path: string, json?: unknown) => Promise<ServiceAnswer>;

/** Routes whose bodies carry license values (a list to withdraw, a file to try, a value to look up): larger bodies, never logged. */
export const VALUE_BODY_ROUTE = /^\/api\/(pools\/[^/]+\/(licenses\/withdraw|key-format\/try)|licenses\/lookup)$/;
/** pool-service takes at most 1,000 values per bulk withdrawal, each at most 2,048 characters. */
const WITHDRAW_MAX = 1000;
const VALUE_MAX = 2048;
const PATTERN_MAX = 200;
/** A try reads a sample: the lines of one file, as many as fit the console's body limit. */
const TRY_LINES_MAX = 100_000;

/**
 * The after-sale pages' calls to pool-service: uploads and their recall, withdrawing by value,
 * the key format and its dry run, and the license ledger. License values come in POST bodies
 * only, are checked here so a service's refusal never has to quote one, and go on to the
 * service untouched; answers name licenses by id and masked value, never in full.
 */
export async function afterSaleRoute(method: string, seg: string[], query: URLSearchParams, json: unknown, pool: PoolCall): Promise<ServiceAnswer | undefined> {
  const enc = encodeURIComponent;
  if (method === 'GET') {
    if (match(seg, ['api', 'pools', '*'])) return pool('GET', `/pools/${enc(seg[2])}`);
    if (match(seg, ['api', 'pools', '*', 'uploads'])) return pool('GET', `/pools/${enc(seg[2])}/uploads${forward(query, ['limit', 'after'])}`);
    if (match(seg, ['api', 'uploads', '*'])) return pool('GET', `/uploads/${enc(seg[2])}`);
    if (match(seg, ['api', 'licenses', '*'])) return maskedOnly(await pool('GET', `/licenses/${enc(seg[2])}`));
    if (match(seg, ['api', 'licenses', '*', 'history'])) return maskedOnly(await pool('GET', `/licenses/${enc(seg[2])}/history`));
  }
  if (method === 'POST') {
    if (match(seg, ['api', 'uploads', '*', 'recall'])) return pool('POST', `/uploads/${enc(seg[2])}/recall`);
    if (match(seg, ['api', 'pools', '*', 'licenses', 'withdraw'])) {
      const values = valueList(json);
      return typeof values === 'string' ? problem(400, 'Bad Request', values) : pool('POST', `/pools/${enc(seg[2])}/licenses/withdraw`, { values });
    }
    if (match(seg, ['api', 'pools', '*', 'key-format'])) {
      const keyPattern = (json as { keyPattern?: unknown } | undefined)?.keyPattern;
      if (keyPattern !== null && !isText(keyPattern, PATTERN_MAX))
        return problem(400, 'Bad Request', `keyPattern: the pattern (1 to ${PATTERN_MAX} characters), or null to remove it`);
      return pool('PATCH', `/pools/${enc(seg[2])}`, { keyPattern });
    }
    if (match(seg, ['api', 'pools', '*', 'key-format', 'try'])) {
      const trial = trialOf(json);
      if (typeof trial === 'string') return problem(400, 'Bad Request', trial);
      const pattern = trial.pattern === undefined ? '' : `?pattern=${enc(trial.pattern)}`;
      return pool('POST', `/pools/${enc(seg[2])}/key-format/try${pattern}`, trial.lines);
    }
    if (match(seg, ['api', 'licenses', 'lookup'])) {
      const body = json as { value?: unknown; merchantId?: unknown } | undefined;
      if (!isText(body?.value, VALUE_MAX)) return problem(400, 'Bad Request', `value: the license value, 1 to ${VALUE_MAX} characters`);
      if (body?.merchantId !== undefined && !isText(body.merchantId, 200)) return problem(400, 'Bad Request', 'merchantId: 1 to 200 characters');
      return maskedOnly(await pool('POST', '/licenses/lookup', { value: body.value, ...(body?.merchantId ? { merchantId: body.merchantId } : {}) }));
    }
  }
  return undefined;
}

function valueList(json: unknown): string[] | string {
  const values = (json as { values?: unknown } | undefined)?.values;
  const problemText = `values: 1 to ${WITHDRAW_MAX} license values, each 1 to ${VALUE_MAX} characters`;
  if (!Array.isArray(values) || values.length === 0 || values.length > WITHDRAW_MAX) return problemText;
  return values.every((value) => isText(value, VALUE_MAX)) ? values : problemText;
}

function trialOf(json: unknown): { pattern?: string; lines: string[] } | string {
  const body = json as { pattern?: unknown; lines?: unknown } | undefined;
  if (body?.pattern !== undefined && !isText(body.pattern, PATTERN_MAX)) return `pattern: 1 to ${PATTERN_MAX} characters, or left out for the pool's own`;
  const lines = body?.lines;
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > TRY_LINES_MAX || !lines.every((line) => typeof line === 'string'))
    return `lines: the file's lines, 1 to ${TRY_LINES_MAX} strings`;
  return { pattern: body?.pattern, lines };
}

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max;
}

/**
 * A license in an answer keeps its value only when the service masked it: the console shows
 * full values through the audited reveal alone.
 */
function maskedOnly(answer: ServiceAnswer): ServiceAnswer {
  const body = answer.body as { license?: unknown; value?: unknown; masked?: unknown } | null;
  if (answer.status !== 200 || body === null || typeof body !== 'object') return answer;
  const license = (body.license ?? body) as { value?: unknown; masked?: unknown };
  if (license && typeof license === 'object' && license.masked !== true) delete license.value;
  return answer;
}
