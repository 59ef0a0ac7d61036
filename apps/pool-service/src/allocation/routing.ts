/**
 * The most specific routable pool for a line: (merchant, product, currency) → (merchant, product)
 * → (merchant). Test lines route to test pools only, live lines to live pools only; archived
 * pools never route. The arguments are SQL expressions for the line's fields.
 */
export function routeSql(line: { merchant: string; product: string; currency: string; test: string }): string {
  return `(SELECT p.id FROM pool p
            WHERE p.merchant_id = ${line.merchant}
              AND p.mode = CASE WHEN ${line.test} THEN 'test' ELSE 'live' END
              AND p.archived_at IS NULL
              AND (p.product_id IS NULL OR p.product_id = ${line.product})
              AND (p.currency IS NULL OR p.currency = ${line.currency})
            ORDER BY p.product_id IS NULL, p.currency IS NULL
            LIMIT 1)`;
}

/** Why a line has no pool, in words a merchant can act on. */
export function unroutableReasonSql(line: { product: string; currency: string; test: string }): string {
  return `format('No %s pool serves product %s in %s: create a pool for the product, the product and currency, or a common pool, and the line is served',
                 CASE WHEN ${line.test} THEN 'test' ELSE 'live' END, ${line.product}, ${line.currency})`;
}

/**
 * Serialises routing with pool creation, archiving and restoring per merchant: allocators share
 * the lock, pool changes take it alone, so no line can be held as unroutable while a pool that
 * would serve it commits unseen.
 */
export function routingLockKey(merchantId: string): string {
  return `keypool.pool-routing:${merchantId}`;
}
