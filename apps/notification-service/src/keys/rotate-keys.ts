// `npm run keys:rotate -- notification-service [--apply]`: re-encrypts this service's sealed values with the active key.
import { runKeyRotationCommand } from '@keypool/platform';
import { notificationEnvSchema } from '../config';
import { NOTIFICATION_SEALED_COLUMNS } from './sealed-columns';

runKeyRotationCommand(
  { name: 'notification-service', columns: NOTIFICATION_SEALED_COLUMNS, databaseUrl: notificationEnvSchema.properties.DATABASE_URL },
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
