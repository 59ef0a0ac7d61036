import { decidePoolAlerts } from './pool-alerts';

const armed = { lowArmed: true, emptyArmed: true, backordered: 0, threshold: 10 };

describe('decidePoolAlerts', () => {
  it('raises low once when stock falls below the threshold, then stays quiet', () => {
    const first = decidePoolAlerts({ ...armed, available: 9 });
    expect(first).toEqual({ alerts: ['low'], lowArmed: false, emptyArmed: true });
    expect(decidePoolAlerts({ ...first, backordered: 0, threshold: 10, available: 5 }).alerts).toEqual([]);
  });

  it('re-arms low only once stock is back at or above the threshold', () => {
    expect(decidePoolAlerts({ ...armed, lowArmed: false, available: 9 }).lowArmed).toBe(false);
    expect(decidePoolAlerts({ ...armed, lowArmed: false, available: 10 }).lowArmed).toBe(true);
  });

  it('raises empty once per emptying, and only when no license is left', () => {
    expect(decidePoolAlerts({ ...armed, lowArmed: false, available: 0 }).alerts).toEqual(['empty']);
    expect(decidePoolAlerts({ ...armed, lowArmed: false, emptyArmed: false, available: 0 }).alerts).toEqual([]);
    expect(decidePoolAlerts({ ...armed, lowArmed: false, available: 3, backordered: 1 }).alerts).toEqual([]);
  });

  it('reports a line held while stock remains as low, never as empty', () => {
    expect(decidePoolAlerts({ ...armed, available: 564, backordered: 4 })).toEqual({ alerts: ['low'], lowArmed: false, emptyArmed: true });
    expect(decidePoolAlerts({ ...armed, threshold: 0, available: 2, backordered: 1 }).alerts).toEqual(['low']);
  });

  it('re-arms low only when stock is at or above the threshold and no line waits', () => {
    expect(decidePoolAlerts({ ...armed, lowArmed: false, available: 564, backordered: 1 }).lowArmed).toBe(false);
    expect(decidePoolAlerts({ ...armed, lowArmed: false, available: 564, backordered: 0 }).lowArmed).toBe(true);
  });

  it('re-arms empty as soon as a license is available, even while a line waits', () => {
    expect(decidePoolAlerts({ ...armed, emptyArmed: false, available: 0, backordered: 1 }).emptyArmed).toBe(false);
    expect(decidePoolAlerts({ ...armed, emptyArmed: false, available: 1, backordered: 1 }).emptyArmed).toBe(true);
  });

  it('raises low and empty together when one step empties a full pool', () => {
    expect(decidePoolAlerts({ ...armed, available: 0 }).alerts).toEqual(['low', 'empty']);
  });

  it('never raises low for a threshold of zero while no line waits', () => {
    expect(decidePoolAlerts({ ...armed, threshold: 0, available: 0 }).alerts).toEqual(['empty']);
  });
});
