import { validateEnv } from '@keypool/platform';
import { testServiceEnv } from '@keypool/testing';
import { licenseHashKey, poolEnvSchema } from './config';

describe('pool-service settings', () => {
  it("listens on the contract's default port 3001 when PORT is not set", () => {
    const { PORT: _unset, ...env } = testServiceEnv('postgres://postgres@127.0.0.1:5432/unused');
    expect(validateEnv(poolEnvSchema, { ...env }).PORT).toBe(3001);
    expect(validateEnv(poolEnvSchema, { ...env, PORT: '4100' }).PORT).toBe(4100);
  });

  it('requires LICENSE_HASH_KEY in every environment: it is never derived from the encryption keys', () => {
    const { LICENSE_HASH_KEY: _unset, ...env } = testServiceEnv('postgres://postgres@127.0.0.1:5432/unused');
    expect(() => validateEnv(poolEnvSchema, { ...env, NODE_ENV: 'development' })).toThrow(/LICENSE_HASH_KEY/);
    const key = Buffer.alloc(32, 9).toString('base64');
    expect(licenseHashKey(validateEnv(poolEnvSchema, { ...env, LICENSE_HASH_KEY: key })).equals(Buffer.alloc(32, 9))).toBe(true);
  });
});

describe('pool-service import limits', () => {
  const env = testServiceEnv('postgres://postgres@127.0.0.1:5432/unused');

  it('accepts uploads up to 256 MiB and gives up on a silent one after 30 s unless told otherwise', () => {
    const config = validateEnv(poolEnvSchema, { ...env });
    expect(config.IMPORT_MAX_BYTES).toBe(268_435_456);
    expect(config.IMPORT_IDLE_TIMEOUT_MS).toBe(30_000);
    expect(validateEnv(poolEnvSchema, { ...env, IMPORT_MAX_BYTES: '1048576' }).IMPORT_MAX_BYTES).toBe(1_048_576);
  });

  it('refuses a limit that is not a number of bytes, naming the setting', () => {
    expect(() => validateEnv(poolEnvSchema, { ...env, IMPORT_MAX_BYTES: '256MB' })).toThrow(/IMPORT_MAX_BYTES/);
  });
});
