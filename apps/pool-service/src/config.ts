import { Type, Static } from '@sinclair/typebox';
import { serviceEnvSchema } from '@keypool/platform';

export const poolEnvSchema = serviceEnvSchema({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: 'postgres://postgres@127.0.0.1:5432/keypool_pool' }),
});

export type PoolConfig = Static<typeof poolEnvSchema>;
