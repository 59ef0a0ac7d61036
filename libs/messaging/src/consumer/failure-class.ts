import { UnknownKeyIdError } from '@keypool/platform';
import { PermanentFailure } from './permanent-failure';

/**
 * transient: a dependency is away (database, broker, a key not configured yet); the same
 * message will succeed once it is back, so it must wait, never be dead-lettered.
 * permanent: the message itself can never succeed.
 * unknown: anything else; retried a few times, then dead-lettered if the dependencies are healthy.
 */
export type FailureClass = 'transient' | 'permanent' | 'unknown';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

// node-postgres says these in words, without a code.
const PG_CONNECTION_MESSAGES = ['Connection terminated', 'timeout exceeded when trying to connect', 'Client has encountered a connection error'];

// Class 08 connection exception, 53 insufficient resources, 57 operator intervention (a
// restart or shutdown); 40001 serialization failure and 40P01 deadlock succeed when retried.
// 57014 (query_canceled) is left out: a statement timeout can be the message's own doing.
const TRANSIENT_SQLSTATE = /^(08|53|57)[0-9A-Z]{3}$|^40001$|^40P01$/;
const QUERY_CANCELED = '57014';

// kafkajs marks these as retriable or not itself; a coordinator that cannot be found is
// marked non-retriable, yet during a broker restart it is exactly a broker that is away.
const KAFKA_TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
]);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  retriable?: unknown;
  cause?: unknown;
  driverError?: unknown;
  errors?: unknown;
}

export function classifyFailure(error: unknown): FailureClass {
  const chain = causeChain(error);
  if (chain.some((e) => e instanceof PermanentFailure)) return 'permanent';
  return chain.some(isTransientLink) ? 'transient' : 'unknown';
}

function isTransientLink(error: ErrorLike): boolean {
  if (error instanceof UnknownKeyIdError) return true;
  const code = typeof error.code === 'string' ? error.code : '';
  if (NETWORK_CODES.has(code) || (TRANSIENT_SQLSTATE.test(code) && code !== QUERY_CANCELED)) return true;
  const name = typeof error.name === 'string' ? error.name : '';
  if (KAFKA_TRANSIENT_NAMES.has(name)) return true;
  if (name.startsWith('KafkaJS') && error.retriable === true) return true;
  const message = typeof error.message === 'string' ? error.message : '';
  return PG_CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/** The error, what it wraps (cause, TypeORM's driverError, AggregateError's errors), and so on down. */
function causeChain(error: unknown): ErrorLike[] {
  const seen = new Set<unknown>();
  const chain: ErrorLike[] = [];
  const visit = (e: unknown) => {
    if (e === null || typeof e !== 'object' || seen.has(e) || chain.length >= 20) return;
    seen.add(e);
    const link = e as ErrorLike;
    chain.push(link);
    visit(link.cause);
    visit(link.driverError);
    if (Array.isArray(link.errors)) link.errors.forEach(visit);
  };
  visit(error);
  return chain;
}
