/**
 * Who is calling an API: one merchant, or support (who sees every merchant). `keyId` names
 * the API key without revealing it (see ApiKeyRegistry), for audit records.
 */
export type Caller = { kind: 'merchant'; merchantId: string; keyId?: string } | { kind: 'support'; keyId?: string };

/**
 * A merchant's checkout, which renders the customer's order page. It is no Caller: routes read
 * a Caller, so a checkout key reaches only the routes marked @CheckoutRoute() (see ApiKeyGuard).
 */
export type CheckoutCaller = { kind: 'checkout'; merchantId: string; keyId?: string };

/** Whoever holds a recognised API key. */
export type KeyHolder = Caller | CheckoutCaller;

export function isSupport(caller: Caller): caller is { kind: 'support' } {
  return caller.kind === 'support';
}

// canSee and the other merchant-scope helpers: ./merchant-scope.ts
