import { keyedHash } from '@keypool/platform';

/**
 * Which rule made a row's `value_hash`: 1 hashed the value as sent; 2 hashes its NFKC form, so
 * keys a person would call the same (full-width letters, ligatures, a no-break space…) are one
 * key. Rows of version 1 are rehashed by LicenseHashUpgrade.
 */
export const LICENSE_HASH_VERSION = 2;

/**
 * The keyed hash that finds a license again and makes a repeat a duplicate. NFKC folds
 * compatibility forms; letter case is kept, because license keys and signed download links are
 * case-sensitive tokens and folding would throw away a distinct, valid key as a "duplicate".
 */
export function licenseHash(hashKey: Buffer, value: string): Buffer {
  return keyedHash(hashKey, value.normalize('NFKC'));
}

/** The injection token of the license-value hash key (licenseHashKey of the service's settings; LicensesModule provides it). */
export const LICENSE_HASH_KEY = Symbol('LICENSE_HASH_KEY');
