import { type Caller, unwrapResult } from '@keypool/platform';
import type { PoolView } from './pool-view';
import type { ReadPool } from './pools.handler';

/** The pool if the caller may see it; otherwise 404, whether it exists or not. */
export async function visiblePool(pools: ReadPool, caller: Caller, poolId: string): Promise<PoolView> {
  return unwrapResult(await pools.read(caller, poolId));
}
