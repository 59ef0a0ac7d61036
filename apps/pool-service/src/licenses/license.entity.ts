// pool-service has no TypeORM entities: every query is set-based SQL, so the `license` table's
// shape lives in its migrations. A license's value is sealed (SecretBox, key id inside) and found
// again only through its keyed hash; `allocation_id` is one column, so a license serves one line.
export type LicenseStatus = 'available' | 'allocated' | 'withdrawn' | 'revoked';
