import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { SecretBox } from '@keypool/platform';
import { TEST_BROKERS, TcpProxy, TestDatabase, freshDatabase, uniqueName } from '@keypool/testing';
import { openDataSource, testMessaging } from '../test/harness';

const cipher = SecretBox.fromSpec(`t1:${randomBytes(32).toString('base64')}`);

describe('a service started while the broker is away', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let proxy: TcpProxy;

  beforeAll(async () => {
    db = await freshDatabase('startup_wait');
    dataSource = await openDataSource(db.url);
    // The proxy stands in for the broker's bootstrap address; once it answers, the broker's
    // metadata points the client at the broker itself.
    proxy = await TcpProxy.start(Number(TEST_BROKERS[0].split(':')[1]));
  });
  afterAll(async () => {
    await proxy.close();
    await dataSource.destroy();
    await db.drop();
  });

  it('waits for the broker instead of failing, and starts once it answers', async () => {
    await proxy.down('refuse');
    const fatal = jest.fn();
    const messaging = testMessaging(dataSource, cipher, [uniqueName('startup')], fatal, { brokers: [`127.0.0.1:${proxy.port}`] });
    let started = false;
    const starting = messaging.start().then(() => (started = true));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(started).toBe(false);
    await proxy.up();
    await starting;
    expect(started).toBe(true);
    expect(fatal).not.toHaveBeenCalled();
    await messaging.stop();
  });
});
