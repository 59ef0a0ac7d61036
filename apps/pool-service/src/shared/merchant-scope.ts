import { BadRequestException, NotFoundException } from '@nestjs/common';
import { Caller, canSee } from '@keypool/platform';

/** The merchant a request acts for: the caller's own, or the one support names. */
export function actingMerchant(caller: Caller, named: string | undefined): string {
  if (caller.kind === 'merchant') return caller.merchantId;
  if (!named) throw new BadRequestException('Support keys must name the merchant: add merchantId');
  return named;
}

/** Another merchant's resource answers 404, so ids never leak across merchants. */
export function ensureVisible<T extends { merchantId: string }>(caller: Caller, found: T | undefined, what: string): T {
  if (!found || !canSee(caller, found.merchantId)) throw new NotFoundException(`${what} not found`);
  return found;
}
