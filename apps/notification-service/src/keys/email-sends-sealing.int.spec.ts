import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { SecretBox, rotateKeys } from '@keypool/platform';
import { TestDatabase, freshDatabase } from '@keypool/testing';
import { type QueuedEmail, type SealedContent, claimDueEmails, queueEmails } from '../delivery/email-sends';
import { notificationMigrations } from '../migrations';
import { NOTIFICATION_SEALED_COLUMNS, emailSendContext } from './sealed-columns';

const OLD = `old:${randomBytes(32).toString('base64')}`;
const NEW = `new:${randomBytes(32).toString('base64')}`;

const content = (license: string): SealedContent => ({
  mail: {
    from: { email: 'licenses@keypool.local', name: 'keypool' },
    to: ['ann@example.com'],
    subject: 'Your key',
    text: license,
    html: license,
    customArgs: {},
    categories: [],
  },
  licenseIds: [`id-${license}`],
});
const email = (eventId: string, license: string): QueuedEmail => ({
  eventId,
  merchantId: 'm_acme',
  orderId: `ord-${eventId}`,
  lineId: '1',
  productId: 'p_editor',
  recipient: 'ann@example.com',
  resendOf: null,
  content: content(license),
});

describe('notification e-mail outbox content bound to its event (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let pg: Pool;
  const old = SecretBox.fromSpec(OLD);

  beforeAll(async () => {
    db = await freshDatabase('email_send_keys');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: notificationMigrations, migrationsRun: true });
    await dataSource.initialize();
    pg = new Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await pg.end();
    await dataSource.destroy();
    await db.drop();
  });

  /** What the sender opens: each claimed e-mail's content, with the context the sender names. */
  const claimedContents = async (cipher: SecretBox) => {
    const claimed = await claimDueEmails(dataSource.manager, { token: '00000000-0000-4000-8000-000000000000', by: 'test', leaseMs: 60_000, limit: 100 });
    await dataSource.query(`UPDATE email_sends SET status = 'pending', claim_token = NULL, lease_until = NULL`);
    return new Map(claimed.map((e) => [e.eventId, () => (JSON.parse(cipher.decryptText(e.payload!, emailSendContext(e.eventId))) as SealedContent).mail.text]));
  };

  it('does not open content moved to another e-mail; content sealed before binding opens; the rotation re-encrypts both', async () => {
    await queueEmails(dataSource.manager, old, [email('evt-1', 'AAAA-0001'), email('evt-2', 'BBBB-0002')]);
    await dataSource.query(`UPDATE email_sends SET payload = (SELECT payload FROM email_sends WHERE event_id = 'evt-1') WHERE event_id = 'evt-2'`);
    const moved = await claimedContents(old);
    expect(moved.get('evt-1')!()).toBe('AAAA-0001');
    expect(() => moved.get('evt-2')!()).toThrow();
    await dataSource.query(`DELETE FROM email_sends WHERE event_id = 'evt-2'`);
    await dataSource.query(
      `INSERT INTO email_sends (event_id, kind, merchant_id, order_id, line_id, product_id, recipient, payload, status)
       VALUES ('evt-v1', 'license', 'm_acme', 'ord-v1', '1', 'p_editor', 'ann@example.com', $1, 'pending')`,
      [old.encrypt(JSON.stringify(content('V1V1-0003')))],
    );
    expect((await claimedContents(old)).get('evt-v1')!()).toBe('V1V1-0003');

    const report = await rotateKeys(pg, SecretBox.fromSpec(`${OLD},${NEW}`, 'new'), NOTIFICATION_SEALED_COLUMNS, {
      apply: true,
      batchSize: 1,
      maxPasses: 5,
      passPauseMs: 50,
      progressEveryMs: 0,
    });
    expect(report).toMatchObject({ complete: true, unusedKeys: ['old'] });
    expect(report.columns.map((c) => [c.column, c.reencrypted])).toEqual([
      ['email_sends.payload', 2],
      ['outbox.payload', 0],
    ]);
    const rotated = await claimedContents(SecretBox.fromSpec(NEW));
    expect([...rotated.keys()].sort().map((id) => rotated.get(id)!())).toEqual(['AAAA-0001', 'V1V1-0003']);
  });
});
