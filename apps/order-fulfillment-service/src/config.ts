import { Type, Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@keypool/platform';

export const fulfillmentEnvSchema = serviceEnvSchema({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: 'postgres://postgres@127.0.0.1:5432/keypool_fulfillment' }),
});

export type FulfillmentConfig = Static<typeof fulfillmentEnvSchema>;
