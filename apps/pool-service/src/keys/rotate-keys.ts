// `npm run keys:rotate -- pool-service [--apply]`: re-encrypts this service's sealed values with the active key.
import { keyRotationMain } from '@keypool/platform';
import { poolEnvSchema } from '../config';
import { POOL_SEALED_COLUMNS } from './sealed-columns';

keyRotationMain({ name: 'pool-service', columns: POOL_SEALED_COLUMNS, databaseUrl: poolEnvSchema.properties.DATABASE_URL });
