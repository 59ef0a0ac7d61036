import type { Caller } from '@keypool/platform';
import { ensureVisible } from '../shared/merchant-scope';
import type { PoolView } from './pool-view';
import type { PoolsHandler } from './pools.handler';

/** The pool if the caller may see it; otherwise 404, whether it exists or not. */
export async function visiblePool(pools: PoolsHandler, caller: Caller, poolId: string): Promise<PoolView> {
  return ensureVisible(caller, await pools.find(poolId), 'Pool');
}
