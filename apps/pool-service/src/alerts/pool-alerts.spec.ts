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

  it('raises empty once per emptying, and for a line held while some stock remains', () => {
    expect(decidePoolAlerts({ ...armed, lowArmed: false, available: 0 }).alerts).toEqual(['empty']);
    expect(decidePoolAlerts({ ...armed, lowArmed: false, available: 3, backordered: 1 }).alerts).toEqual(['empty']);
    expect(decidePoolAlerts({ ...armed, lowArmed: false, emptyArmed: false, available: 0 }).alerts).toEqual([]);
  });

  it('re-arms empty when stock is available and no line waits', () => {
    expect(decidePoolAlerts({ ...armed, emptyArmed: false, available: 1, backordered: 1 }).emptyArmed).toBe(false);
    expect(decidePoolAlerts({ ...armed, emptyArmed: false, available: 1 }).emptyArmed).toBe(true);
  });

  it('raises low and empty together when one step empties a full pool', () => {
    expect(decidePoolAlerts({ ...armed, available: 0 }).alerts).toEqual(['low', 'empty']);
  });

  it('never raises low for a threshold of zero', () => {
    expect(decidePoolAlerts({ ...armed, threshold: 0, available: 0 }).alerts).toEqual(['empty']);
  });
});
