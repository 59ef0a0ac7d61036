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
 * One `low` per fall below the threshold and one `empty` per emptying (no stock left, or a
 * line held for want of stock). Each re-arms only once stock is back: `low` at or above the
 * threshold, `empty` when licenses are available and no line waits.
 */
export function decidePoolAlerts(state: PoolLevelState): PoolLevelDecision {
  const alerts: PoolLevel[] = [];
  const below = state.available < state.threshold;
  const starved = state.available === 0 || state.backordered > 0;
  let { lowArmed, emptyArmed } = state;
  if (below && lowArmed) {
    alerts.push('low');
    lowArmed = false;
  } else if (!below) {
    lowArmed = true;
  }
  if (starved && emptyArmed) {
    alerts.push('empty');
    emptyArmed = false;
  } else if (!starved) {
    emptyArmed = true;
  }
  return { alerts, lowArmed, emptyArmed };
}
