import type { Kafka } from 'kafkajs';
import { type Topics, dlqTopic } from '@keypool/contracts';
import { type DeadLetterFilter, type DlqPosition, DlqError, type RedriveSelection, listDeadLetters, redriveDeadLetters } from '@keypool/operations';
import { type ServiceAnswer, problem } from './service-api';

const MAX_LISTED = 200;
const MAX_POSITIONS = 500;
const MAX_TEXT = 200;

/**
 * The Dead letters page's side on the server: the DLQs of this system's topics, their depth
 * (end minus start offset, as keypool_dlq_depth counts it) and records, and redrive. Listing
 * and redrive are the support CLI's own code (@keypool/operations): the same reads, the same
 * summaries without license values or event data, the same "send each original once".
 */
export class DeadLetters {
  constructor(
    private readonly kafka: Kafka,
    private readonly topics: Topics,
  ) {}

  /** The DLQs this console may read: `<topic>.dlq` of the system's own topics, nothing else on the cluster. */
  knownDlqs(): string[] {
    return [...new Set(Object.values(this.topics).map(dlqTopic))].sort();
  }

  async depths(): Promise<ServiceAnswer> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const topics = await Promise.all(
        this.knownDlqs().map(async (topic) => {
          if (!existing.has(topic)) return { topic, exists: false, depth: 0 };
          const offsets = await admin.fetchTopicOffsets(topic);
          return { topic, exists: true, depth: offsets.reduce((sum, { low, high }) => sum + Number(BigInt(high) - BigInt(low)), 0) };
        }),
      );
      return { status: 200, body: { topics } };
    } finally {
      await admin.disconnect();
    }
  }

  async list(topic: string, query: URLSearchParams): Promise<ServiceAnswer> {
    if (!this.knownDlqs().includes(topic)) return unknownTopic(topic);
    const filter = parseFilter(Object.fromEntries(query));
    if ('problem' in filter) return filter.problem;
    const limitText = query.get('limit') ?? '50';
    const limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_LISTED)) return problem(400, 'Bad Request', `limit: a whole number from 1 to ${MAX_LISTED}`);
    return this.guard(async () => ({ status: 200, body: await listDeadLetters(this.kafka, topic, filter.value, limit) }));
  }

  /** `{ positions: ["0:12", …] }` or `{ filter: { type?, reason?, since? } }`; always publishes (the page asks first). */
  async redrive(topic: string, body: unknown): Promise<ServiceAnswer> {
    if (!this.knownDlqs().includes(topic)) return unknownTopic(topic);
    const selection = parseSelection(body);
    if ('problem' in selection) return selection.problem;
    return this.guard(async () => ({ status: 200, body: await redriveDeadLetters(this.kafka, topic, selection.value, true) }));
  }

  private async guard(run: () => Promise<ServiceAnswer>): Promise<ServiceAnswer> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof DlqError) return problem(404, 'Not Found', error.message);
      throw error;
    }
  }
}

function unknownTopic(topic: string): ServiceAnswer {
  return problem(404, 'Not Found', `${topic.slice(0, MAX_TEXT)} is not a dead-letter topic of this system`);
}

type Parsed<T> = { value: T } | { problem: ServiceAnswer };

function parseFilter(raw: Record<string, unknown>): Parsed<DeadLetterFilter> {
  const filter: DeadLetterFilter = {};
  for (const name of ['type', 'reason'] as const) {
    const value = raw[name];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || value.length > MAX_TEXT)
      return { problem: problem(400, 'Bad Request', `${name}: text of at most ${MAX_TEXT} characters`) };
    filter[name] = value;
  }
  const since = raw['since'];
  if (since !== undefined && since !== '') {
    const at = typeof since === 'string' && since.length <= 40 ? new Date(since) : new Date(NaN);
    if (Number.isNaN(at.getTime())) return { problem: problem(400, 'Bad Request', 'since: an ISO 8601 time, e.g. 2026-11-30T12:00:00Z') };
    filter.since = at;
  }
  return { value: filter };
}

function parseSelection(body: unknown): Parsed<RedriveSelection> {
  const bad = (message: string) => ({ problem: problem(400, 'Bad Request', message) });
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return bad('the body must be {"positions": ["<partition>:<offset>", …]} or {"filter": {…}}');
  const { positions, filter } = body as { positions?: unknown; filter?: unknown };
  if (positions !== undefined) {
    if (!Array.isArray(positions) || positions.length === 0 || positions.length > MAX_POSITIONS)
      return bad(`positions: 1 to ${MAX_POSITIONS} "<partition>:<offset>" strings`);
    const parsed: DlqPosition[] = [];
    for (const p of positions) {
      const match = typeof p === 'string' ? /^(\d{1,6}):(\d{1,19})$/.exec(p) : null;
      if (!match) return bad(`positions: "${String(p).slice(0, 40)}" is not <partition>:<offset>`);
      parsed.push({ partition: Number(match[1]), offset: match[2] });
    }
    return { value: { positions: parsed } };
  }
  if (filter !== undefined) {
    if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) return bad('filter: an object of type, reason and since');
    const parsed = parseFilter(filter as Record<string, unknown>);
    return 'problem' in parsed ? parsed : { value: { all: parsed.value } };
  }
  return bad('the body must name positions or a filter');
}
