// Transactions send BEGIN with the inbox claim and the outbox insert with COMMIT, as statements of
// escaped literals (issue 11: round trips per hop). These cases hold what that must not change.
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SecretBox } from '@keypool/platform';
import { TestDatabase, TopicReader, freshDatabase, testKafka, uniqueName } from '@keypool/testing';
import { openDataSource, testMessaging } from '../test/harness';
import { Envelope, envelope } from './envelope';
import { firstDeliveriesOpening } from './inbox/inbox';
import { Messaging } from './messaging';

const cipher = SecretBox.fromSpec(`t1:${randomBytes(32).toString('base64')}`);
// Quotes, backslashes (which make escapeLiteral write E'…'), a semicolon and non-ASCII.
const AWKWARD = `o'brien\\'; DROP TABLE inbox; -- ünï ☃ \\x00`;

describe('transactions in fewer round trips, against real PostgreSQL and Kafka', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let messaging: Messaging;
  let topic: string;

  beforeAll(async () => {
    db = await freshDatabase('round_trips');
    dataSource = await openDataSource(db.url);
    topic = uniqueName('round-trips');
    messaging = testMessaging(dataSource, cipher, [topic]);
    await messaging.start();
  });
  afterAll(async () => {
    await messaging.stop();
    await dataSource.destroy();
    await db.drop();
  });

  const claimed = async (consumer: string, ids: string[], work: () => Promise<void> = () => Promise.resolve()) =>
    messaging.transactions.runOpening(firstDeliveriesOpening(consumer, ids), async (_tx, fresh) => {
      await work();
      return [...(fresh ?? [])].sort();
    });

  it('publishes keys and payloads exactly as given, whatever characters they hold', async () => {
    const out = await TopicReader.open(testKafka(), topic);
    try {
      const events = [
        envelope({ type: 'TestHappened', source: 'test', data: { note: AWKWARD } }),
        envelope({ type: 'TestHappened', source: 'test', data: { n: 2 } }),
      ];
      await messaging.transactions.run((tx) =>
        Promise.resolve(tx.publish(...events.map((e, i) => ({ topic, key: `${AWKWARD}-${i}`, aggregateType: 'test', envelope: e })))),
      );
      const messages = await out.waitForCount(2);
      expect(messages.map((m) => m.key!.toString()).sort()).toEqual([`${AWKWARD}-0`, `${AWKWARD}-1`]);
      expect(out.values<Envelope>().sort((a, b) => a.id.localeCompare(b.id))).toEqual([...events].sort((a, b) => a.id.localeCompare(b.id)));
      const rows = await dataSource.query('SELECT aggregate_id FROM outbox WHERE id = ANY($1::uuid[]) ORDER BY seq', [events.map((e) => e.id)]);
      // Rows keep the order given (seq), as the relay's per-key order needs.
      expect(rows.map((r: { aggregate_id: string }) => r.aggregate_id)).toEqual([`${AWKWARD}-0`, `${AWKWARD}-1`]);
    } finally {
      await out.close();
    }
  });

  it('claims each event id once per consumer, with the claim sent alongside BEGIN', async () => {
    const consumer = `${AWKWARD}-${uniqueName('c')}`;
    const ids = [`${AWKWARD}-1`, `${AWKWARD}-2`];
    expect(await claimed(consumer, ids)).toEqual([...ids].sort());
    expect(await claimed(consumer, [...ids, `${AWKWARD}-3`])).toEqual([`${AWKWARD}-3`]);
    expect(await claimed(`${consumer}-other`, ids)).toEqual([...ids].sort());
  });

  it('rolls the claim, the work and the outbox back together when the work fails', async () => {
    const consumer = uniqueName('rollback');
    const event = envelope({ type: 'TestHappened', source: 'test', data: {} });
    await expect(
      messaging.transactions.runOpening(firstDeliveriesOpening(consumer, ['e1']), async (tx) => {
        await tx.manager.query(`INSERT INTO effects (event_id) VALUES ('e1')`);
        tx.publish({ topic, key: 'k', aggregateType: 'test', envelope: event });
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    expect(await dataSource.query('SELECT count(*)::int AS n FROM inbox WHERE consumer = $1', [consumer])).toEqual([{ n: 0 }]);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM effects WHERE event_id = 'e1'`)).toEqual([{ n: 0 }]);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE id = $1', [event.id])).toEqual([{ n: 0 }]);
    // The same ids are first deliveries again: nothing of the failed attempt stayed.
    expect(await claimed(consumer, ['e1'])).toEqual(['e1']);
  });

  it('rolls back when the outbox insert sent with COMMIT fails, and the connection serves the next transaction', async () => {
    const event = envelope({ type: 'TestHappened', source: 'test', data: {} });
    await expect(
      messaging.transactions.run(async (tx) => {
        await tx.manager.query(`INSERT INTO effects (event_id) VALUES ('before-a-bad-outbox-row')`);
        // Two rows with one id: ON CONFLICT DO UPDATE cannot affect a row twice in one statement.
        tx.publish({ topic, key: 'k', aggregateType: 'test', envelope: event }, { topic, key: 'k', aggregateType: 'test', envelope: event });
      }),
    ).rejects.toThrow(/cannot affect row a second time/);
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM effects WHERE event_id = 'before-a-bad-outbox-row'`)).toEqual([{ n: 0 }]);
    await messaging.transactions.run(async (tx) => void (await tx.manager.query(`INSERT INTO effects (event_id) VALUES ('after')`)));
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM effects WHERE event_id = 'after'`)).toEqual([{ n: 1 }]);
  });

  it('keeps a nested manager.transaction() inside the outer one: a savepoint, not an early commit', async () => {
    await expect(
      messaging.transactions.run(async (tx) => {
        await tx.manager.transaction((inner) => inner.query(`INSERT INTO effects (event_id) VALUES ('nested')`));
        throw new Error('the outer work failed after the nested one');
      }),
    ).rejects.toThrow('after the nested one');
    expect(await dataSource.query(`SELECT count(*)::int AS n FROM effects WHERE event_id = 'nested'`)).toEqual([{ n: 0 }]);
  });
});
