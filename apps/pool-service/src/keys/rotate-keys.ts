// `npm run keys:rotate -- pool-service [--apply]`: re-encrypts this service's sealed values with the active key.
import { runKeyRotationCommand } from '@keypool/platform';
import { poolEnvSchema } from '../config';
import { POOL_SEALED_COLUMNS } from './sealed-columns';

runKeyRotationCommand({ name: 'pool-service', columns: POOL_SEALED_COLUMNS, databaseUrl: poolEnvSchema.properties.DATABASE_URL }, process.argv.slice(2), process.env, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
