/**
 * A row's identity as SecretBox context: `<kind>:<part>/<part>…`, each part URI-encoded so that
 * no two rows read alike (order "a/b" line "c" is not order "a" line "b/c").
 */
export function rowContext(kind: string, ...parts: string[]): string {
  return `${kind}:${parts.map(encodeURIComponent).join('/')}`;
}

/**
 * A bytea column of SecretBox ciphertexts bound to their row: what the service passes as context
 * when it seals and opens one, and what the key rotation needs to re-encrypt it in place.
 */
export interface SealedColumn {
  table: string;
  column: string;
  /** The primary key, in the order the rotation walks the table. */
  key: readonly string[];
  /** The columns `context` reads (read as text); key columns may be among them. */
  identity: readonly string[];
  /** The row's context, from its identity columns as text. */
  context(row: Readonly<Record<string, string>>): string;
  /**
   * A row the services change only while holding a lock on another row, and take with SKIP
   * LOCKED under it (pool-service: licenses under their pool). The rotation takes that lock
   * first, skipping busy ones, so a running service never passes over a row the rotation holds.
   */
  guard?: { column: string; table: string; key: string };
}
