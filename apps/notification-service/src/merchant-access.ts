import { NotFoundException } from '@nestjs/common';
import { Caller, canSee } from '@keypool/platform';

/** Another merchant's settings answer 404 rather than 403, so merchant ids cannot be probed. */
export function requireVisibleMerchant(caller: Caller, merchantId: string): void {
  if (!canSee(caller, merchantId)) throw new NotFoundException(`merchant ${merchantId} not found`);
}
