import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SecretBox } from '@keypool/platform';
import { TestDatabase, TopicReader, freshDatabase, testKafka, uniqueName } from '@keypool/testing';
import { openDataSource, testMessaging } from '../../test/harness';
import { Envelope, OutgoingEvent, envelope } from '../envelope';
import { Messaging } from '../messaging';
import { outboxPayloadContext } from './outbox-sealing';
import { writeToOutbox } from './outbox-writer';

const cipher = SecretBox.fromSpec(`k1:${randomBytes(32).toString('base64')}`);

describe('outbox payloads bound to their event id (real PostgreSQL and broker)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let messaging: Messaging | undefined;
  let out: TopicReader | undefined;

  beforeAll(async () => {
    db = await freshDatabase('outbox_sealing');
    dataSource = await openDataSource(db.url);
  });
  afterAll(async () => {
    await messaging?.stop();
    await out?.close();
    await dataSource.destroy();
    await db.drop();
  });

  const outgoing = (topic: string, key: string, data: Record<string, unknown>): OutgoingEvent => ({
    topic,
    key,
    aggregateType: 'test',
    envelope: envelope({ type: 'TestHappened', source: 'test', data }),
  });

  it('parks a payload copied into another row, and publishes rows sealed before binding and ids written in upper case', async () => {
    const topic = uniqueName('sealing');
    const first = outgoing(topic, 'order-1', { license: 'AAAA-1111' });
    const second = outgoing(topic, 'order-2', { license: 'BBBB-2222' });
    const beforeBinding = outgoing(topic, 'order-3', { license: 'CCCC-3333' });
    const upperCase = outgoing(topic, 'order-4', { license: 'DDDD-4444' });
    upperCase.envelope = { ...upperCase.envelope, id: upperCase.envelope.id.toUpperCase() };
    await dataSource.transaction(async (manager) => {
      await writeToOutbox(manager, cipher, [first, second, upperCase]);
      // Swap the two sealed payloads: each row now holds the other's ciphertext.
      await manager.query(
        `UPDATE outbox o SET payload = p.payload FROM outbox p
          WHERE (o.id, p.id) IN (($1::uuid, $2::uuid), ($2::uuid, $1::uuid))`,
        [first.envelope.id, second.envelope.id],
      );
      await manager.query(`INSERT INTO outbox (id, aggregate_type, aggregate_id, type, topic, payload) VALUES ($1, 'test', $2, $3, $4, $5)`, [
        beforeBinding.envelope.id,
        beforeBinding.key,
        beforeBinding.envelope.type,
        topic,
        cipher.encrypt(JSON.stringify(beforeBinding.envelope)),
      ]);
    });
    messaging = testMessaging(dataSource, cipher, [topic]);
    await messaging.start();
    out = await TopicReader.open(testKafka(), topic);

    await out.waitForCount(2);
    await messaging.relay.drain();
    expect(out.values<Envelope>().map((e) => e.data)).toEqual(expect.arrayContaining([{ license: 'CCCC-3333' }, { license: 'DDDD-4444' }]));
    expect(out.values<Envelope>()).toHaveLength(2);
    const rows: { id: string; parked: boolean; reason: string | null }[] = await dataSource.query(
      `SELECT id, parked_at IS NOT NULL AS parked, park_reason AS reason FROM outbox WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [[first.envelope.id, second.envelope.id]],
    );
    expect(rows.map((r) => r.parked)).toEqual([true, true]);
    rows.forEach((r) => expect(r.reason).toContain('cannot be decrypted'));
  });

  it('names the row by the id as PostgreSQL spells a uuid', () => {
    expect(outboxPayloadContext('0F8E7D6C-5B4A-4938-8271-605F4E3D2C1B')).toBe('outbox:0f8e7d6c-5b4a-4938-8271-605f4e3d2c1b');
    expect(outboxPayloadContext('{0f8e7d6c5b4a49388271605f4e3d2c1b}')).toBe('outbox:0f8e7d6c-5b4a-4938-8271-605f4e3d2c1b');
  });
});
