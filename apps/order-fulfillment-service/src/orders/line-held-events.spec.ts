import { lineHeldStatus } from './line-held-events';

describe('lineHeldStatus', () => {
  it('tells when a line starts waiting, and when it moves between waiting states', () => {
    expect(lineHeldStatus('received', 'awaiting_stock')).toBe('awaiting_stock');
    expect(lineHeldStatus('received', 'unroutable')).toBe('unroutable');
    expect(lineHeldStatus('unroutable', 'awaiting_stock')).toBe('awaiting_stock');
    expect(lineHeldStatus('awaiting_stock', 'awaiting_stock')).toBeNull();
  });

  it('tells when a waiting line is served or cancelled, and nothing for a line that never waited', () => {
    expect(lineHeldStatus('awaiting_stock', 'allocated')).toBe('served');
    expect(lineHeldStatus('unroutable', 'delivered')).toBe('served');
    expect(lineHeldStatus('awaiting_stock', 'cancelled')).toBe('cancelled');
    expect(lineHeldStatus('received', 'allocated')).toBeNull();
    expect(lineHeldStatus('received', 'cancelled')).toBeNull();
    expect(lineHeldStatus('allocated', 'delivered')).toBeNull();
  });
});
