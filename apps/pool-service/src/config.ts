import { Type, Static } from '@sinclair/typebox';
import { ConfigurationError, revealAuditRetentionEnv, serviceEnvSchema } from '@keypool/platform';

export const poolEnvSchema = serviceEnvSchema({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  DATABASE_URL: Type.String({ pattern: '^postgres(ql)?://', default: 'postgres://postgres@127.0.0.1:5432/keypool_pool' }),
  LICENSE_HASH_KEY: Type.String({
    pattern: '^[A-Za-z0-9+/=]{43,44}$',
    description: 'base64 of 32 random bytes: keys the HMAC that finds duplicate licenses; always set explicitly, never derived; never rotate it',
  }),
  IMPORT_BATCH_SIZE: Type.Integer({
    minimum: 100,
    maximum: 50000,
    default: 1000,
    description: 'license rows hashed, sealed and sent per COPY chunk of an import',
  }),
  IMPORT_MAX_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 2 ** 40,
    default: 256 * 2 ** 20,
    description: 'largest import request body, in bytes (256 MiB); a larger one is refused with 413 and nothing stored',
  }),
  IMPORT_IDLE_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 3600000,
    default: 30000,
    description: 'an import upload that sends nothing for this long is refused with 408',
  }),
  IMPORT_SPOOL_DIR: Type.Optional(
    Type.String({ minLength: 1, description: 'where uploads wait, sealed, until they are whole (default: the OS temp directory)' }),
  ),
  HELD_LINE_SWEEP_MS: Type.Integer({ minimum: 100, maximum: 3600000, default: 30000, description: 'how often held lines are re-tried (safety net)' }),
  HELD_LINE_RESERVE_AFTER: Type.Integer({
    minimum: 0,
    maximum: 1000000000,
    default: 1000,
    description: 'licenses later lines may take ahead of a held line that does not fit, before new stock is kept for it (0: strict oldest first)',
  }),
  REFUNDED_LINE_RETENTION_DAYS: Type.Number({
    minimum: 1,
    maximum: 36500,
    default: 90,
    description:
      'how long a refunded line is remembered (refunded_line): it makes a repeated AllocationRefunded a no-op and cancels a request that comes after its refund. At least INBOX_RETENTION_DAYS',
  }),
  LICENSE_LEDGER_RETENTION_DAYS: Type.Number({
    minimum: 30,
    maximum: 36500,
    default: 730,
    description:
      'how long a license ledger entry (allocated, e-mailed, revealed, withdrawn…) is kept; the license row itself, with its import, stays. Default two years',
  }),
  ...revealAuditRetentionEnv,
});

export type PoolConfig = Static<typeof poolEnvSchema>;

/**
 * The duplicate-detection key, always given explicitly. It used to be derived from the first
 * encryption key outside production, so reordering the encryption keys silently changed it and
 * every stored license stopped counting as a duplicate.
 */
export function licenseHashKey(config: PoolConfig): Buffer {
  const key = Buffer.from(config.LICENSE_HASH_KEY, 'base64');
  if (key.length !== 32) throw new ConfigurationError(['LICENSE_HASH_KEY must be base64 of exactly 32 bytes']);
  return key;
}
