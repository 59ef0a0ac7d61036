import { randomBytes } from 'node:crypto';
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';
import { SecretBox } from '@keypool/platform';
import { classifyFailure } from './failure-class';
import { PermanentFailure } from './permanent-failure';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const queryFailed = (driverError: Error) => new QueryFailedError('UPDATE pools SET n = n - 1', [], driverError);

describe('classifyFailure', () => {
  it('calls a refused PostgreSQL connection transient, as node-postgres reports it', async () => {
    const client = new Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const error = await client.connect().catch((e: unknown) => e);
    expect(classifyFailure(error)).toBe('transient');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])('calls the socket error %s transient', (code) =>
    expect(classifyFailure(withCode(`connect ${code}`, code))).toBe('transient'),
  );

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
  ])('calls the node-postgres connection failure "%s" transient', (message) => {
    expect(classifyFailure(new Error(message))).toBe('transient');
  });

  it.each([
    ['40001', 'could not serialize access due to concurrent update'],
    ['40P01', 'deadlock detected'],
    ['08006', 'connection failure'],
    ['53300', 'too many connections for role'],
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
  ])('calls SQLSTATE %s (%s) inside a TypeORM QueryFailedError transient', (code, message) => {
    expect(classifyFailure(queryFailed(withCode(message, code)))).toBe('transient');
  });

  it('leaves constraint violations, bad input and statement timeouts to the unknown path', () => {
    expect(classifyFailure(queryFailed(withCode('duplicate key value violates unique constraint', '23505')))).toBe('unknown');
    expect(classifyFailure(queryFailed(withCode('invalid input syntax for type uuid', '22P02')))).toBe('unknown');
    expect(classifyFailure(queryFailed(withCode('canceling statement due to statement timeout', '57014')))).toBe('unknown');
    expect(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'lines')"))).toBe('unknown');
  });

  it('finds a transient cause wrapped by the handler', () => {
    const wrapped = new Error('could not allocate', { cause: queryFailed(withCode('deadlock detected', '40P01')) });
    expect(classifyFailure(wrapped)).toBe('transient');
    expect(classifyFailure(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]))).toBe('transient');
  });

  it('calls kafkajs connection, timeout and retriable errors transient, also once retries ran out', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(classifyFailure(refused)).toBe('transient');
    expect(classifyFailure(new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'))).toBe('transient');
    expect(classifyFailure(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 8, retryTime: 9000 }))).toBe('transient');
    const leaderMoved = new KafkaJSProtocolError(Object.assign(new Error('This server is not the leader'), { retriable: true }));
    expect(classifyFailure(leaderMoved)).toBe('transient');
  });

  it('does not call a non-retriable kafkajs error transient', () => {
    const denied = new KafkaJSProtocolError(Object.assign(new Error('Not authorized to access topics'), { retriable: false }));
    expect(classifyFailure(denied)).toBe('unknown');
    expect(classifyFailure(new KafkaJSNonRetriableError('Invalid topic'))).toBe('unknown');
    expect(classifyFailure(new KafkaJSError('stale metadata', { retriable: false }))).toBe('unknown');
  });

  it('calls a ciphertext sealed with a key this process lacks transient: the configuration is at fault, not the data', () => {
    const sealed = SecretBox.fromSpec(`k-new:${randomBytes(32).toString('base64')}`).encrypt('AAAA-BBBB');
    const error = (() => {
      try {
        SecretBox.fromSpec(`k-old:${randomBytes(32).toString('base64')}`).decrypt(sealed);
      } catch (e) {
        return e;
      }
    })();
    expect(classifyFailure(error)).toBe('transient');
  });

  it('calls PermanentFailure permanent, even when it wraps a transient cause', () => {
    expect(classifyFailure(new PermanentFailure('order has no lines'))).toBe('permanent');
    const wrapped = Object.assign(new PermanentFailure('gave up'), { cause: withCode('x', 'ECONNRESET') });
    expect(classifyFailure(wrapped)).toBe('permanent');
  });
});
