export type PoolLevel = 'low' | 'empty';

export interface PoolLevelState {
  available: number;
  threshold: number;
  backordered: number;
  lowArmed: boolean;
  emptyArmed: boolean;
}

export interface PoolLevelDecision {
  alerts: PoolLevel[];
  lowArmed: boolean;
  emptyArmed: boolean;
}

/**
 * `empty` means no license is left, nothing else: once per emptying, re-armed when stock is back.
 * `low` means the stock is short: below the threshold, or some line waits for more licenses than
 * the pool has. Once per crossing, re-armed when stock is at or above the threshold and no line
 * waits. A line held while licenses remain is reported as `low` with the true `available` and
 * `backordered`, never as `empty`.
 */
export function decidePoolAlerts(state: PoolLevelState): PoolLevelDecision {
  const alerts: PoolLevel[] = [];
  const short = state.available < state.threshold || state.backordered > 0;
  const empty = state.available === 0;
  let { lowArmed, emptyArmed } = state;
  if (short && lowArmed) {
    alerts.push('low');
    lowArmed = false;
  } else if (!short) {
    lowArmed = true;
  }
  if (empty && emptyArmed) {
    alerts.push('empty');
    emptyArmed = false;
  } else if (!empty) {
    emptyArmed = true;
  }
  return { alerts, lowArmed, emptyArmed };
}
