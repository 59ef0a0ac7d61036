import { validateEnv } from '@keypool/platform';
import { testServiceEnv } from '@keypool/testing';
import { fulfillmentEnvSchema } from './config';

describe('order-fulfillment-service settings', () => {
  it("listens on the contract's default port 3002 when PORT is not set", () => {
    const { PORT: _unset, ...env } = testServiceEnv('postgres://postgres@127.0.0.1:5432/unused');
    expect(validateEnv(fulfillmentEnvSchema, { ...env }).PORT).toBe(3002);
    expect(validateEnv(fulfillmentEnvSchema, { ...env, PORT: '4100' }).PORT).toBe(4100);
  });
});
