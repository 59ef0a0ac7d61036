import { validateEnv } from '@keypool/platform';
import { testServiceEnv } from '@keypool/testing';
import { poolEnvSchema } from './config';

describe('pool-service settings', () => {
  it('listens on the contract\'s default port 3001 when PORT is not set', () => {
    const { PORT: _unset, ...env } = testServiceEnv('postgres://postgres@127.0.0.1:5432/unused');
    expect(validateEnv(poolEnvSchema, { ...env }).PORT).toBe(3001);
    expect(validateEnv(poolEnvSchema, { ...env, PORT: '4100' }).PORT).toBe(4100);
  });
});
