import type { Caller } from './caller';
import { type Failure, type Result, fail, succeed } from '../http/domain-result';

/**
 * "May this caller see this merchant's thing": support sees every merchant, a merchant only its
 * own. Another merchant's thing answers exactly like a missing one (404, same message), so ids
 * cannot be probed across merchants. One home for the rule; use cases return the failures below
 * and the HTTP edge turns them into 404 (see `unwrapResult`).
 */
export function canSee(caller: Caller, merchantId: string): boolean {
  return caller.kind === 'support' || caller.merchantId === merchantId;
}

/** The 404 a missing merchant gets, and so also another merchant's, for routes under /merchants/{merchantId}. */
export function merchantNotFound(merchantId: string): Failure<'not_found'> {
  return fail('not_found', `merchant ${merchantId} not found`);
}

/** undefined when the caller may act for `merchantId`; else the refusal to return as is. */
export function outsideScope(caller: Caller, merchantId: string): Failure<'not_found'> | undefined {
  return canSee(caller, merchantId) ? undefined : merchantNotFound(merchantId);
}

/** A thing the caller may see, or `<what> not found` whether it is missing or another merchant's. */
export function visibleTo<T extends { merchantId: string }>(caller: Caller, found: T | null | undefined, what: string): Result<T, 'not_found'> {
  return found && canSee(caller, found.merchantId) ? succeed(found) : fail('not_found', `${what} not found`);
}

/** The merchant a list is narrowed to: a merchant key's own, support's the one it names, or undefined (every merchant). */
export function listedMerchant(caller: Caller, named: string | undefined | null): string | undefined {
  return caller.kind === 'merchant' ? caller.merchantId : named || undefined;
}

/** The merchant a request acts for: a merchant key its own, support the one it names (which it must). */
export function actingMerchant(caller: Caller, named: string | undefined | null): Result<string, 'invalid'> {
  if (caller.kind === 'merchant') return succeed(caller.merchantId);
  return named ? succeed(named) : fail('invalid', 'Support keys must name the merchant: add merchantId');
}
