// `npm run keys:rotate -- order-fulfillment-service [--apply]`: re-encrypts this service's sealed values with the active key.
import { keyRotationMain } from '@keypool/platform';
import { fulfillmentEnvSchema } from '../config';
import { FULFILLMENT_SEALED_COLUMNS } from './sealed-columns';

keyRotationMain({ name: 'order-fulfillment-service', columns: FULFILLMENT_SEALED_COLUMNS, databaseUrl: fulfillmentEnvSchema.properties.DATABASE_URL });
