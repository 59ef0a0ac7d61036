// `npm run keys:rotate -- notification-service [--apply]`: re-encrypts this service's sealed values with the active key.
import { keyRotationMain } from '@keypool/platform';
import { notificationEnvSchema } from '../config';
import { NOTIFICATION_SEALED_COLUMNS } from './sealed-columns';

keyRotationMain({ name: 'notification-service', columns: NOTIFICATION_SEALED_COLUMNS, databaseUrl: notificationEnvSchema.properties.DATABASE_URL });
