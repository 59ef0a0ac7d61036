import { validateEnv } from '@keypool/platform';
import { testServiceEnv } from '@keypool/testing';
import { notificationEnvSchema } from './config';

describe('notification-service settings', () => {
  it("listens on the contract's default port 3003 when PORT is not set", () => {
    const { PORT: _unset, ...env } = testServiceEnv('postgres://postgres@127.0.0.1:5432/unused');
    expect(validateEnv(notificationEnvSchema, { ...env, SENDGRID_API_KEY: 'SG.x' }).PORT).toBe(3003);
    expect(validateEnv(notificationEnvSchema, { ...env, SENDGRID_API_KEY: 'SG.x', PORT: '4100' }).PORT).toBe(4100);
  });
});
