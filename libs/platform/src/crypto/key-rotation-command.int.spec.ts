import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Client } from 'pg';
import { TestDatabase, freshDatabase } from '@keypool/testing';
import { runKeyRotationCommand } from './key-rotation-command';
import { type SealedColumn, rowContext } from './sealed-column';
import { SecretBox } from './secret-box';

const OLD = `old:${randomBytes(32).toString('base64')}`;
const NEW = `new:${randomBytes(32).toString('base64')}`;
const secretContext = (id: string) => rowContext('secret', id);
const SECRETS: SealedColumn = { table: 'secrets', column: 'sealed', key: ['id'], identity: ['id'], context: (row) => secretContext(row['id']) };

describe('npm run keys:rotate (real PostgreSQL)', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await freshDatabase('key_rotation_command');
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(`CREATE TABLE secrets (id text PRIMARY KEY, sealed bytea)`);
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  async function run(argv: string[], keys: string, active?: string): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const env = { DATABASE_URL: db.url, DATA_ENCRYPTION_KEYS: keys, ...(active ? { DATA_ENCRYPTION_ACTIVE_KEY: active } : {}) };
    const service = { name: 'test-service', columns: [SECRETS], databaseUrl: Type.String({ pattern: '^postgres(ql)?://' }) };
    const code = await runKeyRotationCommand(service, argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }
  const sealedRows = async () => (await client.query<{ id: string; sealed: Buffer | null }>(`SELECT id, sealed FROM secrets ORDER BY id`)).rows;

  it('counts without writing by default, re-encrypts with --apply, names the key that can go, and finds nothing the second time', async () => {
    const old = SecretBox.fromSpec(OLD);
    await client.query(`INSERT INTO secrets VALUES ('a', $1), ('b', $2), ('c', NULL), ('d', $3)`, [
      old.encrypt('AAAA-0001', secretContext('a')),
      old.encrypt('BBBB-0002'),
      old.encrypt('DDDD-0004', secretContext('d')),
    ]);
    const before = await sealedRows();

    const dry = await run([], `${OLD},${NEW}`, 'new');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('  secrets.sealed: 3 to re-encrypt ("old" v1: 1, "old" v2: 2)');
    expect(dry.out).toContain('3 values to re-encrypt');
    expect(await sealedRows()).toEqual(before);

    const applied = await run(['--apply', '--batch-size', '2'], `${OLD},${NEW}`, 'new');
    expect(applied.code).toBe(0);
    expect(applied.out.join('\n')).toMatch(/secrets\.sealed: 3 re-encrypted in [\d.]+ s, 0 still due \("new" v2: 3\)/);
    expect(applied.out).toContain(
      'no value uses "old" any more: remove it from DATA_ENCRYPTION_KEYS once every instance of the service runs with "new" active',
    );
    const newOnly = SecretBox.fromSpec(NEW);
    const after = await sealedRows();
    expect(after.map((r) => (r.sealed ? newOnly.decryptText(r.sealed, secretContext(r.id)) : null))).toEqual(['AAAA-0001', 'BBBB-0002', null, 'DDDD-0004']);

    const again = await run(['--apply'], NEW);
    expect(again.code).toBe(0);
    expect(again.out).toContain('re-encrypted 0 values; 0 still due');
  });

  it('leaves a value that will not open, names its row and not its value, and exits 1', async () => {
    const other = SecretBox.fromSpec(NEW);
    await client.query(`INSERT INTO secrets VALUES ('moved', $1)`, [other.encrypt('MOVED-0005', secretContext('elsewhere'))]);
    const rotated = await run(['--apply'], `${NEW},next:${randomBytes(32).toString('base64')}`, 'next');
    expect(rotated.code).toBe(1);
    const output = rotated.out.join('\n');
    expect(output).toContain('1 will not open (left as they are): id=moved');
    expect(output).not.toContain('MOVED-0005');
    expect(SecretBox.keyIdOf((await sealedRows()).find((r) => r.id === 'moved')!.sealed!)).toBe('new');
  });

  it('stops with the key to add when a value names a key it was not given, and refuses a bad command line', async () => {
    const missing = await run(['--apply'], `other:${randomBytes(32).toString('base64')}`);
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toContain('which DATA_ENCRYPTION_KEYS lacks: add it and run again');
    expect((await run(['--batch-size', '0'], NEW)).code).toBe(2);
    expect((await run(['--publish'], NEW)).code).toBe(2);
    expect((await run([], 'not-a-key')).err[0]).toContain('DATA_ENCRYPTION_KEYS is malformed');
  });
});
