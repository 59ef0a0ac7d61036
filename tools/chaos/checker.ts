import type { Kafka, KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { TopicReader, waitUntil } from '@keypool/testing';
import type { LoadPlan } from './load';
import type { AcceptedEmail } from './sink-gate';
import type { ChaosStack, ServiceKey } from './stack';
import type { Timeline, TimelineEntry } from './timeline';

export interface ImportedPool {
  poolId: string;
  productId: string;
  imported: number;
  withdrawn: number;
}

export interface CheckInput {
  stack: ChaosStack;
  plan: LoadPlan;
  pools: ImportedPool[];
  timeline: Timeline;
}

export interface CheckResult {
  check: string;
  target: string;
  result: string;
  ok: boolean;
  evidence: string[];
}

export interface Findings {
  checks: CheckResult[];
  figures: Record<string, string | number>;
}

const NOTIFICATION = 'notification-service';
const lineKey = (orderId: string, lineId: string) => `${orderId}/${lineId}`;

/**
 * Waits until the system has nothing left to do: every consumer group of the run at the end of
 * its topics, no unpublished outbox rows, no e-mail queued for a retry or in flight, and no new
 * e-mail for two polls in a row. Gives up at
 * the deadline (the report then says so and the lag check fails).
 */
export async function waitForSettling(input: CheckInput, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quietPolls = 0;
  let lastEmails = -1;
  while (Date.now() < deadline) {
    const lag = await consumerLag(input.stack.kafka, input.stack.prefix).catch(() => undefined);
    const pending = await unpublishedOutbox(input.stack.databases).catch(() => undefined);
    const queued = await queuedEmails(input.stack.databases.notification).catch(() => undefined);
    const emails = input.stack.sinkGate.accepted.length;
    const idle = lag !== undefined && lag.length > 0 && lag.every((g) => g.lag === 0) && pending === 0 && queued === 0 && emails === lastEmails;
    quietPolls = idle ? quietPolls + 1 : 0;
    lastEmails = emails;
    if (quietPolls >= 2) return true;
    await new Promise((r) => setTimeout(r, 2000));
  }
  return false;
}

export async function check(input: CheckInput): Promise<Findings> {
  const { stack, plan } = input;
  const db = await readDatabases(stack.databases);
  const allocatedEvents = (await readTopic(stack.kafka, stack.topics.licenseAllocated)).map(parse);
  const fulfilledEvents = (await readTopic(stack.kafka, stack.topics.orderFulfilled)).map(parse);
  const deadLetters = await readDeadLetters(stack.kafka, stack.prefix);
  const lag = await consumerLag(stack.kafka, stack.prefix);
  const emails = stack.sinkGate.accepted.filter((e) => e.lineId && !e.resendOf);

  const lines = plan.orders.flatMap((o) => o.lines.map((l) => ({ ...l, orderId: o.orderId })));
  const allocatedLines = new Set(db.allocations.filter((a) => a.status === 'allocated').map((a) => lineKey(a.order_id, a.line_id)));
  const checks = [
    lostOrders(plan, db),
    unservedLines(lines, db),
    heldWithStock(lines, input.pools, db),
    doubleAllocations(allocatedEvents, db),
    poolBalances(input.pools, db),
    missingEmails(allocatedLines, emails, db),
    extraEmails(emails, input.timeline),
    fulfilledOnce(plan, allocatedLines, fulfilledEvents, db),
    validInDeadLetters(plan, deadLetters),
    malformedDeadLettered(plan, deadLetters),
    {
      check: 'consumer lag at the end',
      target: '0 in every group',
      result: lag.map((g) => `${g.group.slice(g.group.indexOf(stack.prefix) + stack.prefix.length + 1)}@${g.service}: ${g.lag}`).join(', '),
      ok: lag.length > 0 && lag.every((g) => g.lag === 0),
      evidence: [],
    },
  ];
  const count = (status: string) => db.allocations.filter((a) => a.status === status).length;
  return {
    checks,
    figures: {
      'valid orders published': plan.orders.length,
      'valid order lines': lines.length,
      'malformed messages published': plan.malformed.length,
      'lines allocated': count('allocated'),
      'lines awaiting stock': count('awaiting_stock'),
      'lines unroutable': count('unroutable'),
      'e-mails accepted by the sink (originals)': emails.length,
      'send requests refused by the fault gate': stack.sinkGate.refused,
      ...Object.fromEntries(
        Object.values(stack.instances)
          .flat()
          .map((s) => [`${s.label} restarts`, s.restarts]),
      ),
    },
  };
}

interface Databases {
  orders: Map<string, string>;
  orderLines: Map<string, { status: string; status_reason: string | null }>;
  allocations: { order_id: string; line_id: string; status: string; reason: string | null; license_count: number; licenses: number; seq: number }[];
  stock: { pool_id: string; status: string; n: number }[];
  sharedLicenses: { license_id: string; lines: string[] }[];
}

async function readDatabases(urls: Record<ServiceKey, string>): Promise<Databases> {
  const [orders, orderLines, sharedLicenses] = await query(urls.fulfillment, [
    'SELECT order_id, status FROM orders',
    'SELECT order_id, line_id, status, status_reason FROM order_lines',
    `SELECT license_id, array_agg(order_id || '/' || line_id) AS lines FROM line_licenses GROUP BY license_id HAVING count(*) > 1`,
  ]);
  const [allocations, stock] = await query(urls.pool, [
    `SELECT a.order_id, a.line_id, a.status, a.reason, a.license_count, a.seq::bigint::float8 AS seq,
            (SELECT count(*) FROM license l WHERE l.allocation_id = a.id)::int AS licenses
       FROM allocation a`,
    'SELECT pool_id, status, count(*)::int AS n FROM license GROUP BY pool_id, status',
  ]);
  return {
    orders: new Map(orders.map((r) => [r['order_id'] as string, r['status'] as string])),
    orderLines: new Map(
      orderLines.map((r) => [
        lineKey(r['order_id'] as string, r['line_id'] as string),
        { status: r['status'] as string, status_reason: r['status_reason'] as string | null },
      ]),
    ),
    allocations: allocations as Databases['allocations'],
    stock: stock as Databases['stock'],
    sharedLicenses: sharedLicenses as Databases['sharedLicenses'],
  };
}

function lostOrders(plan: LoadPlan, db: Databases): CheckResult {
  const allocations = new Set(db.allocations.map((a) => lineKey(a.order_id, a.line_id)));
  const lost = plan.orders.filter((o) => !db.orders.has(o.orderId) || o.lines.some((l) => !allocations.has(lineKey(o.orderId, l.lineId))));
  return result(
    'paid orders lost',
    '0',
    lost.length,
    lost.map((o) => `${o.orderId}: ${db.orders.has(o.orderId) ? 'a line never reached pool-service' : 'not in order-fulfillment'}`),
  );
}

function unservedLines(lines: { orderId: string; lineId: string; quantity: number }[], db: Databases): CheckResult {
  const byLine = new Map(db.allocations.map((a) => [lineKey(a.order_id, a.line_id), a]));
  const wrong: string[] = [];
  for (const line of lines) {
    const key = lineKey(line.orderId, line.lineId);
    const a = byLine.get(key);
    const fulfillment = db.orderLines.get(key);
    if (!a || !fulfillment) continue;
    const served = a.status === 'allocated' && a.licenses === line.quantity;
    const held = (a.status === 'awaiting_stock' || a.status === 'unroutable') && !!a.reason && a.licenses === 0;
    if (!served && !held) wrong.push(`${key}: pool-service says ${a.status} with ${a.licenses}/${line.quantity} licenses, reason ${a.reason ?? 'none'}`);
    else if (fulfillment.status === 'received') wrong.push(`${key}: pool-service says ${a.status}, order-fulfillment still says received`);
  }
  return result('lines neither allocated once nor held with a reason', '0', wrong.length, wrong);
}

/**
 * Held lines are served oldest first as soon as stock allows, so at the end the oldest held line
 * of a pool needs more than the pool has; otherwise the pool's queue is stuck.
 */
function heldWithStock(lines: { orderId: string; lineId: string; productId: string; quantity: number }[], pools: ImportedPool[], db: Databases): CheckResult {
  const seqOf = new Map(db.allocations.filter((a) => a.status === 'awaiting_stock').map((a) => [lineKey(a.order_id, a.line_id), a.seq]));
  const evidence: string[] = [];
  for (const pool of pools) {
    const available = db.stock.find((s) => s.pool_id === pool.poolId && s.status === 'available')?.n ?? 0;
    const waiting = lines
      .filter((l) => l.productId === pool.productId && seqOf.has(lineKey(l.orderId, l.lineId)))
      .sort((a, b) => (seqOf.get(lineKey(a.orderId, a.lineId)) ?? 0) - (seqOf.get(lineKey(b.orderId, b.lineId)) ?? 0));
    if (waiting.length > 0 && waiting[0].quantity <= available) {
      evidence.push(
        `${pool.productId}: ${waiting.length} lines held, the oldest (${lineKey(waiting[0].orderId, waiting[0].lineId)}) needs ${waiting[0].quantity}, ${available} available`,
      );
    }
  }
  return result('pools with held lines they could serve', '0', evidence.length, evidence);
}

function doubleAllocations(events: Parsed[], db: Databases): CheckResult {
  const setsByLine = new Map<string, Set<string>>();
  const linesByLicense = new Map<string, Set<string>>();
  for (const e of events.filter((x) => !x.resendof)) {
    const key = lineKey(e.data.orderId, e.data.lineId);
    const ids = (e.data.licenses ?? []).map((l) => l.licenseId);
    setsByLine.set(key, (setsByLine.get(key) ?? new Set()).add([...ids].sort().join(',')));
    for (const id of ids) linesByLicense.set(id, (linesByLicense.get(id) ?? new Set()).add(key));
  }
  const evidence = [
    ...[...setsByLine].filter(([, sets]) => sets.size > 1).map(([key, sets]) => `${key}: ${sets.size} different license sets in LicenseAllocated`),
    ...[...linesByLicense].filter(([, keys]) => keys.size > 1).map(([id, keys]) => `license ${id} on ${[...keys].join(' and ')} (license-allocated topic)`),
    ...db.sharedLicenses.map((s) => `license ${s.license_id} saved on ${s.lines.join(' and ')} (order-fulfillment)`),
  ];
  return result('double allocations (a line served twice, a license on two lines)', '0', evidence.length, evidence);
}

function poolBalances(pools: ImportedPool[], db: Databases): CheckResult {
  const evidence: string[] = [];
  for (const pool of pools) {
    const n = (status: string) => db.stock.find((s) => s.pool_id === pool.poolId && s.status === status)?.n ?? 0;
    const [available, allocated, withdrawn] = [n('available'), n('allocated'), n('withdrawn')];
    const line = `${pool.productId}: imported ${pool.imported} = available ${available} + allocated ${allocated} + withdrawn ${withdrawn}`;
    const ok = pool.imported === available + allocated + withdrawn && withdrawn === pool.withdrawn;
    evidence.push(ok ? line : `${line.replace(' = ', ' ≠ ')} (withdrawn by the run: ${pool.withdrawn})`);
  }
  const broken = evidence.filter((e) => e.includes('≠'));
  return {
    check: 'per pool: imported = available + allocated + withdrawn',
    target: 'every pool',
    result: broken.length ? `${broken.length} pools off` : 'balanced',
    ok: broken.length === 0,
    evidence,
  };
}

function missingEmails(allocatedLines: Set<string>, emails: AcceptedEmail[], db: Databases): CheckResult {
  const mailed = new Set(emails.map((e) => lineKey(e.orderId ?? '', e.lineId ?? '')));
  const missing = [...allocatedLines].filter((key) => !mailed.has(key));
  const strays = [...mailed].filter((key) => !allocatedLines.has(key));
  const evidence = [
    ...missing.map(
      (key) =>
        `${key}: no e-mail; order-fulfillment says ${db.orderLines.get(key)?.status ?? '?'}${db.orderLines.get(key)?.status_reason ? ` (${db.orderLines.get(key)?.status_reason})` : ''}`,
    ),
    ...strays.map((key) => `${key}: e-mailed but not allocated`),
  ];
  return result('allocated lines not e-mailed', '0', missing.length + strays.length, evidence);
}

/**
 * A line e-mailed more than once. The one accepted cause: notification-service killed after
 * SendGrid accepted the e-mail and before its transaction committed (README, "no accidental
 * second e-mail"), i.e. a kill between the first e-mail and the extra one, of the same event.
 */
function extraEmails(emails: AcceptedEmail[], timeline: Timeline): CheckResult {
  const byLine = new Map<string, AcceptedEmail[]>();
  for (const e of emails) byLine.set(lineKey(e.orderId ?? '', e.lineId ?? ''), [...(byLine.get(lineKey(e.orderId ?? '', e.lineId ?? '')) ?? []), e]);
  // Any instance's: with two, the killed one's claims are sent again by its restart (or, after the lease, by the other).
  const kills = timeline.entries.filter((t) => t.target.startsWith(NOTIFICATION) && (t.what === 'SIGKILL' || t.what === 'exited'));
  const causes = new Map<string, number>();
  const evidence: string[] = [];
  let unexplained = 0;
  let extras = 0;
  for (const [key, sent] of byLine) {
    const [first, ...more] = [...sent].sort((a, b) => a.at - b.at);
    for (const extra of more) {
      extras += 1;
      const kill: TimelineEntry | undefined = kills.find((k) => k.at >= first.at && k.at <= extra.at);
      const cause =
        extra.eventId !== first.eventId
          ? 'a second LicenseAllocated event for the line'
          : kill
            ? `${kill.what} of ${kill.target} at +${timeline.seconds(kill.at)}s`
            : 'the same event sent again with no kill in between';
      if (extra.eventId !== first.eventId || !kill) unexplained += 1;
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
      evidence.push(`${key}: again at +${timeline.seconds(extra.at)}s (first at +${timeline.seconds(first.at)}s): ${cause}`);
    }
  }
  const summary = [...causes].map(([cause, n]) => `${n} × ${cause}`).join('; ');
  return {
    check: 'extra e-mails not explained by a kill at the send point',
    target: '0',
    result: `${unexplained} (extra e-mails in all: ${extras}${summary ? `: ${summary}` : ''}; kills of ${NOTIFICATION}: ${kills.filter((k) => k.what === 'SIGKILL').length})`,
    ok: unexplained === 0,
    evidence,
  };
}

function fulfilledOnce(plan: LoadPlan, allocatedLines: Set<string>, events: Parsed[], db: Databases): CheckResult {
  const idsByOrder = new Map<string, Set<string>>();
  for (const e of events) idsByOrder.set(e.data.orderId, (idsByOrder.get(e.data.orderId) ?? new Set()).add(e.id));
  const copies = events.length - [...idsByOrder.values()].reduce((n, ids) => n + ids.size, 0);
  const evidence: string[] = [];
  let once = 0;
  for (const order of plan.orders) {
    const expected = order.lines.every((l) => allocatedLines.has(lineKey(order.orderId, l.lineId)));
    const ids = idsByOrder.get(order.orderId)?.size ?? 0;
    if (expected && ids === 1) once += 1;
    else if (expected && ids === 0) {
      const states = order.lines.map((l) => {
        const line = db.orderLines.get(lineKey(order.orderId, l.lineId));
        return `line ${l.lineId} ${line?.status ?? '?'}${line?.status_reason ? ` (${line.status_reason})` : ''}`;
      });
      evidence.push(`${order.orderId}: every line allocated, never fulfilled; order-fulfillment says ${states.join(', ')}`);
    } else if (ids > 1) evidence.push(`${order.orderId}: fulfilled ${ids} times (distinct OrderFulfilled ids)`);
    else if (!expected && ids > 0) evidence.push(`${order.orderId}: fulfilled with a line not allocated`);
  }
  return {
    check: 'orders fulfilled exactly once (distinct OrderFulfilled ids per order)',
    target: 'every fully allocated order once, no other',
    result: `${once} once, ${evidence.length} wrong; ${copies} redelivered copies of the same event id`,
    ok: evidence.length === 0,
    evidence,
  };
}

function validInDeadLetters(plan: LoadPlan, letters: DeadLetter[]): CheckResult {
  const malformed = new Set(plan.malformed.map((m) => m.key));
  const valid = letters.filter((l) => !malformed.has(l.key));
  return result(
    'valid events in a DLQ',
    '0',
    valid.length,
    valid.map((l) => `${l.topic} ${l.key}: ${l.reason}`),
  );
}

function malformedDeadLettered(plan: LoadPlan, letters: DeadLetter[]): CheckResult {
  const inOrderPaidDlq = letters.filter((l) => l.topic.endsWith('order-paid.dlq'));
  const keys = new Set(inOrderPaidDlq.map((l) => l.key));
  const missing = plan.malformed.filter((m) => !keys.has(m.key));
  const copies = inOrderPaidDlq.filter((l) => plan.malformed.some((m) => m.key === l.key)).length - (plan.malformed.length - missing.length);
  return {
    check: 'malformed messages in order-paid.dlq',
    target: `all ${plan.malformed.length}`,
    result: `${plan.malformed.length - missing.length} (${copies} extra copies)`,
    ok: missing.length === 0,
    evidence: missing.map((m) => `${m.key} (${m.kind}) not dead-lettered`),
  };
}

function result(check: string, target: string, count: number, evidence: string[]): CheckResult {
  return { check, target, result: String(count), ok: count === 0, evidence };
}

interface Parsed {
  id: string;
  resendof?: string;
  data: { orderId: string; lineId: string; licenses?: { licenseId: string }[] };
}

function parse(message: KafkaMessage): Parsed {
  return JSON.parse(message.value?.toString('utf8') ?? 'null') as Parsed;
}

interface DeadLetter {
  topic: string;
  key: string;
  reason: string;
}

async function readDeadLetters(kafka: Kafka, prefix: string): Promise<DeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`) && t.endsWith('.dlq'));
  await admin.disconnect();
  const letters: DeadLetter[] = [];
  for (const topic of topics) {
    for (const m of await readTopic(kafka, topic)) {
      letters.push({ topic, key: m.key?.toString() ?? '(no key)', reason: m.headers?.['dlq-reason']?.toString() ?? '' });
    }
  }
  return letters;
}

/** Every record of a topic, from the first to the end offsets read when it starts. */
async function readTopic(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  if (total === 0) return [];
  const reader = await TopicReader.open(kafka, topic);
  try {
    await waitUntil(() => reader.messages.length >= total, 120000, `${total} records of ${topic}`);
    return reader.messages;
  } finally {
    await reader.close();
  }
}

export interface GroupLag {
  group: string;
  service: string;
  lag: number;
}

/** Per consumer group of the run: records on its topic past its committed offsets. */
export async function consumerLag(kafka: Kafka, prefix: string): Promise<GroupLag[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const lags: GroupLag[] = [];
    for (const { groupId } of groups.filter((g) => g.groupId.includes(`.${prefix}.`))) {
      const topic = groupId.slice(groupId.indexOf(prefix));
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      const lag = ends.reduce((n, end) => {
        const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
        return n + Number(end.high) - (at >= 0 ? at : Number(end.low));
      }, 0);
      lags.push({ group: groupId, service: groupId.slice(0, groupId.indexOf(prefix) - 1), lag });
    }
    return lags;
  } finally {
    await admin.disconnect();
  }
}

/** E-mails notification still has to send: waiting for a retry (backoff after SendGrid's outage) or claimed. */
async function queuedEmails(url: string): Promise<number> {
  const [[row]] = await query(url, [`SELECT count(*)::int AS n FROM email_sends WHERE status IN ('pending', 'sending')`]);
  return row['n'] as number;
}

async function unpublishedOutbox(urls: Record<ServiceKey, string>): Promise<number> {
  let pending = 0;
  for (const url of Object.values(urls)) {
    const [[row]] = await query(url, ['SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL']);
    pending += row['n'] as number;
  }
  return pending;
}

async function query(url: string, statements: string[]): Promise<Record<string, unknown>[][]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const results: Record<string, unknown>[][] = [];
    for (const sql of statements) results.push((await client.query(sql)).rows as Record<string, unknown>[]);
    return results;
  } finally {
    await client.end();
  }
}
