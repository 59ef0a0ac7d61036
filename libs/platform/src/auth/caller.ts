/** Who is calling an API: one merchant, or support (who sees every merchant). */
export type Caller = { kind: 'merchant'; merchantId: string } | { kind: 'support' };

export function isSupport(caller: Caller): caller is { kind: 'support' } {
  return caller.kind === 'support';
}

/** The merchant whose data a caller may touch; support may act for any merchant it names. */
export function merchantScope(caller: Caller): string | undefined {
  return caller.kind === 'merchant' ? caller.merchantId : undefined;
}

export function canSee(caller: Caller, merchantId: string): boolean {
  return caller.kind === 'support' || caller.merchantId === merchantId;
}
