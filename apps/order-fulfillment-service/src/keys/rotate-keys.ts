// `npm run keys:rotate -- order-fulfillment-service [--apply]`: re-encrypts this service's sealed values with the active key.
import { runKeyRotationCommand } from '@keypool/platform';
import { fulfillmentEnvSchema } from '../config';
import { FULFILLMENT_SEALED_COLUMNS } from './sealed-columns';

runKeyRotationCommand(
  { name: 'order-fulfillment-service', columns: FULFILLMENT_SEALED_COLUMNS, databaseUrl: fulfillmentEnvSchema.properties.DATABASE_URL },
  process.argv.slice(2),
  process.env,
  { out: (line) => console.log(line), err: (line) => console.error(line) },
).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
