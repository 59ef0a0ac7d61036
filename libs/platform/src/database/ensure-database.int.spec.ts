import { PG_ADMIN_URL, TcpProxy, uniqueName } from '@keypool/testing';
import { Client } from 'pg';
import { ensureDatabaseWhenReachable, isDatabaseAway } from './ensure-database';

describe('a service started while PostgreSQL is away', () => {
  it('waits for the server and then creates its database, instead of failing at once', async () => {
    const admin = new URL(PG_ADMIN_URL);
    const proxy = await TcpProxy.start(Number(admin.port || 5432), admin.hostname);
    const name = uniqueName('kp_wait').replace(/\W/g, '_');
    const viaProxy = new URL(PG_ADMIN_URL);
    viaProxy.port = String(proxy.port);
    viaProxy.pathname = `/${name}`;
    try {
      await proxy.down('refuse');
      let done = false;
      const ensuring = ensureDatabaseWhenReachable(viaProxy.toString(), 60000).then(() => (done = true));
      await new Promise((r) => setTimeout(r, 2000));
      expect(done).toBe(false);
      await proxy.up();
      await ensuring;
      const client = new Client({ connectionString: PG_ADMIN_URL });
      await client.connect();
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      await client.end();
      expect(rowCount).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('tells a server that is away from one that refuses', () => {
    expect(isDatabaseAway(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseAway(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isDatabaseAway(Object.assign(new Error('password authentication failed'), { code: '28P01' }))).toBe(false);
  });
});
