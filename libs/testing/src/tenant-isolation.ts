import { randomBytes, randomUUID } from 'node:crypto';
import { TEST_CHECKOUT_KEY, TEST_KEYS } from './service';

export type Tenant = keyof typeof TEST_KEYS;

/** The merchants behind the test keys of testServiceEnv(). */
export const TEST_MERCHANTS = { acme: 'm_acme', globex: 'm_globex' } as const;

/** One operation of a service's OpenAPI document, keyed `METHOD /path` as written there. */
export interface DocumentedOperation {
  key: string;
  method: string;
  path: string;
  /** The one 2xx status the document promises. */
  success: number;
  queryParams: string[];
}

export interface IsolationRequest {
  query?: Record<string, string>;
  json?: unknown;
  text?: string;
}

/**
 * How to call one operation, and what acme owns in it. An operation with path parameters names
 * acme's resource in `params`; one without (a list, a creation) says with `shows` which acme ids
 * an answer may carry.
 */
export interface IsolationCase {
  params?: Record<string, string>;
  /** What each caller sends; called once per request, so a body can be fresh each time. */
  request?: (who: Tenant) => IsolationRequest;
  shows?: { acmeIds: string[]; idsIn: (body: unknown) => string[] };
  /** acme's view of what the operation changes: globex's attempts must leave it equal. */
  state?: () => Promise<unknown>;
  /** More parameter sets to try as globex, e.g. its own pool with acme's license id. */
  crossParams?: Record<string, string>[];
  /** The operation acme's checkout key may call on acme's resource (an order page); every other must answer it 403. */
  checkoutReads?: boolean;
}

/** `METHOD /path` (as in /docs-json) → the case, built when the test runs (after the fixtures). */
export type IsolationTable = Record<string, () => IsolationCase>;

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const MALFORMED_AUTH = [undefined, 'Bearer', 'Bearer a b', 'Basic xyz', `Bearer ${TEST_KEYS.acme}x`];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every operation the running service documents at /docs-json. */
export async function documentedOperations(url: string): Promise<Map<string, DocumentedOperation>> {
  const response = await fetch(`${url}/docs-json`);
  if (response.status !== 200) throw new Error(`/docs-json answered ${response.status}`);
  const doc = (await response.json()) as { paths: Record<string, Record<string, OpenApiOperation>> };
  const operations = new Map<string, DocumentedOperation>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS.filter((m) => item[m])) {
      const key = `${method.toUpperCase()} ${path}`;
      const successes = Object.keys(item[method].responses ?? {}).filter((code) => /^2\d\d$/.test(code));
      if (successes.length !== 1) throw new Error(`${key} documents ${successes.length} success statuses (${successes.join(', ')}); document exactly one`);
      const queryParams = (item[method].parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      operations.set(key, { key, method: method.toUpperCase(), path, success: Number(successes[0]), queryParams });
    }
  }
  return operations;
}

interface OpenApiOperation {
  responses?: Record<string, unknown>;
  parameters?: { in: string; name: string }[];
}

/** Documented operations without a table entry, and entries without an operation. */
export function uncoveredOperations(documented: Map<string, DocumentedOperation>, table: IsolationTable): string[] {
  const missing = [...documented.keys()].filter((key) => !table[key]).map((key) => `${key}: documented but not in the isolation table`);
  const stale = Object.keys(table)
    .filter((key) => !documented.has(key))
    .map((key) => `${key}: in the isolation table but not documented`);
  return [...missing, ...stale];
}

/**
 * Calls one operation as every kind of caller and returns what broke isolation (empty when
 * nothing did): no or a malformed key → 401; a wrong-case path → 404; globex on acme's resource
 * → the same 404 as on ids that do not exist, changing nothing; globex's list or creation →
 * no acme id; acme's checkout key → 403 changing nothing, except on the order page; acme and
 * support → the documented success. Bodies are never quoted (they may
 * carry licenses): problems name the operation, the caller and the status.
 */
export async function isolationProblems(url: string, operation: DocumentedOperation, entry: IsolationCase): Promise<string[]> {
  const problems: string[] = [];
  const placeholders = [...operation.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const named = Object.keys(entry.params ?? {});
  if (placeholders.sort().join() !== named.sort().join())
    return [`${operation.key}: params name ${named.join(', ') || 'nothing'}, the path needs ${placeholders.join(', ') || 'none'}`];
  if (!placeholders.length && !entry.shows) return [`${operation.key}: an operation without path parameters needs shows (which acme ids its answer may carry)`];
  const call = (who: string | undefined, params: Record<string, string> = entry.params ?? {}, as: Tenant = 'acme', extraQuery: Record<string, string> = {}) => {
    const request = entry.request?.(as) ?? {};
    return send(url, operation.method, fillPath(operation.path, params), who, { ...request, query: { ...request.query, ...extraQuery } });
  };
  const expectStatus = (answer: Answer, status: number, what: string) => {
    if (answer.status !== status) problems.push(`${operation.key} ${what}: ${answer.status} (${messageOf(answer)}), expected ${status}`);
  };

  for (const auth of MALFORMED_AUTH) {
    const answer = await call(auth);
    expectStatus(answer, 401, `with Authorization ${auth === undefined ? 'absent' : JSON.stringify(auth.replace(TEST_KEYS.acme, '<acme key>'))}`);
    if (answer.status === 401 && (answer.body as { error?: string }).error !== 'Unauthorized') problems.push(`${operation.key}: a 401 without the error shape`);
  }
  for (const path of wrongCasePaths(fillPath(operation.path, entry.params ?? {}))) {
    expectStatus(await send(url, operation.method, path, bearer('acme'), entry.request?.('acme') ?? {}), 404, `at ${path} (wrong case)`);
  }

  const before = await entry.state?.();
  if (entry.shows) {
    const answer = await call(bearer('globex'), {}, 'globex');
    expectStatus(answer, operation.success, 'as globex');
    if (entry.shows.idsIn(answer.body).some((id) => entry.shows!.acmeIds.includes(id))) problems.push(`${operation.key} as globex: shows acme's ids`);
    if (operation.queryParams.includes('merchantId')) problems.push(...(await namingAcme(operation, entry, call)));
  } else {
    for (const params of [entry.params!, ...(entry.crossParams ?? [])]) {
      const owned = await call(bearer('globex'), params, 'globex');
      const missingParams = lookalikes(params, entry.params!);
      const missing = await call(bearer('globex'), missingParams, 'globex');
      expectStatus(owned, 404, `as globex on ${whose(params, entry.params!)}`);
      if (JSON.stringify(normalized(owned, params)) !== JSON.stringify(normalized(missing, missingParams))) {
        problems.push(
          `${operation.key} as globex: acme's resource answers unlike a missing one (${owned.status} ${messageOf(owned)} vs ${missing.status} ${messageOf(missing)})`,
        );
      }
    }
  }
  if (entry.state && JSON.stringify(await entry.state()) !== JSON.stringify(before)) problems.push(`${operation.key}: globex's attempt changed acme's data`);

  const beforeCheckout = entry.checkoutReads ? undefined : await entry.state?.();
  expectStatus(await call(`Bearer ${TEST_CHECKOUT_KEY}`, entry.params), entry.checkoutReads ? operation.success : 403, "as acme's checkout");
  if (!entry.checkoutReads && entry.state && JSON.stringify(await entry.state()) !== JSON.stringify(beforeCheckout)) {
    problems.push(`${operation.key}: the checkout key's attempt changed acme's data`);
  }

  for (const who of ['acme', 'support'] as const) {
    const answer = await call(bearer(who), entry.params, who);
    expectStatus(answer, operation.success, `as ${who}`);
    if (entry.shows && answer.status === operation.success) {
      const ids = entry.shows.idsIn(answer.body);
      const absent = entry.shows.acmeIds.filter((id) => !ids.includes(id));
      if (absent.length) problems.push(`${operation.key} as ${who}: acme's ${absent.join(', ')} missing, so globex's answer proves nothing`);
    }
  }
  return problems;
}

/** globex naming acme in ?merchantId: refused like an unknown merchant, or answered without acme's ids. */
async function namingAcme(
  operation: DocumentedOperation,
  entry: IsolationCase,
  call: (who: string | undefined, params: Record<string, string>, as: Tenant, extraQuery: Record<string, string>) => Promise<Answer>,
): Promise<string[]> {
  const acme = await call(bearer('globex'), {}, 'globex', { merchantId: TEST_MERCHANTS.acme });
  if (acme.status === operation.success) {
    return entry.shows!.idsIn(acme.body).some((id) => entry.shows!.acmeIds.includes(id))
      ? [`${operation.key} as globex with ?merchantId=m_acme: shows acme's ids`]
      : [];
  }
  const nobody = `m_missing${randomBytes(4).toString('hex')}`;
  const unknown = await call(bearer('globex'), {}, 'globex', { merchantId: nobody });
  const same = JSON.stringify(normalized(acme, { merchantId: TEST_MERCHANTS.acme })) === JSON.stringify(normalized(unknown, { merchantId: nobody }));
  return acme.status === 404 && same
    ? []
    : [`${operation.key} as globex with ?merchantId=m_acme: ${acme.status} (${messageOf(acme)}), unlike an unknown merchant (${unknown.status})`];
}

function bearer(who: Tenant): string {
  return `Bearer ${TEST_KEYS[who]}`;
}

function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]));
}

/** `/V1/…`, and the first segment after the version capitalised. */
function wrongCasePaths(path: string): string[] {
  const [, version, first, rest] = /^\/(v\d+)\/([^/]+)(.*)$/.exec(path) ?? [];
  if (!version) return [path.toUpperCase()];
  return [`/${version.toUpperCase()}/${first}${rest}`, `/${version}/${first[0].toUpperCase()}${first.slice(1)}${rest}`];
}

/** The same parameters with acme's values replaced by ids of the same shape that exist nowhere. */
function lookalikes(params: Record<string, string>, acme: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, value === acme[name] ? lookalike(value) : value]));
}

function lookalike(value: string): string {
  if (UUID.test(value)) return randomUUID();
  if (/^\d+$/.test(value)) return String(900000 + Math.floor(Math.random() * 99999));
  const prefix = /^[a-z]+[_-]/i.exec(value)?.[0] ?? '';
  return `${prefix}missing${randomBytes(4).toString('hex')}`;
}

function whose(params: Record<string, string>, acme: Record<string, string>): string {
  return Object.keys(params)
    .map((name) => `${name} ${params[name] === acme[name] ? "of acme's" : 'of its own'}`)
    .join(', ');
}

/** An answer with the ids asked for written as {name}, to compare one id's answer with another's. */
function normalized(answer: Answer, params: Record<string, string>): unknown {
  let text = JSON.stringify(answer.body) ?? '';
  for (const [name, value] of Object.entries(params).sort((a, b) => b[1].length - a[1].length)) text = text.split(value).join(`{${name}}`);
  return { status: answer.status, contentType: answer.contentType, body: text };
}

function messageOf(answer: Answer): string {
  const message = (answer.body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : 'no message';
}

async function send(url: string, method: string, path: string, authorization: string | undefined, request: IsolationRequest): Promise<Answer> {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  let body: string | undefined;
  if (request.text !== undefined) [headers['content-type'], body] = ['text/plain', request.text];
  else if (request.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(request.json)];
  const query = new URLSearchParams(request.query ?? {}).toString();
  const response = await fetch(`${url}${path}${query ? `?${query}` : ''}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: compared as text
  }
  return { status: response.status, contentType: (response.headers.get('content-type') ?? '').split(';')[0], body: parsed };
}
