/**
 * Who is calling an API: one merchant, or support (who sees every merchant). `keyId` names
 * the API key without revealing it (see ApiKeyRegistry), for audit records.
 */
export type Caller = { kind: 'merchant'; merchantId: string; keyId?: string } | { kind: 'support'; keyId?: string };

export function isSupport(caller: Caller): caller is { kind: 'support' } {
  return caller.kind === 'support';
}

export function canSee(caller: Caller, merchantId: string): boolean {
  return caller.kind === 'support' || caller.merchantId === merchantId;
}
