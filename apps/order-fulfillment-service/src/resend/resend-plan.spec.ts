import { noLicensesYet } from './resend-plan';

describe('explaining why a line cannot be resent', () => {
  it('says the line waits for stock and is e-mailed once it arrives', () => {
    expect(noLicensesYet({ lineId: '2', status: 'awaiting_stock', statusReason: 'pool empty' })).toBe(
      'line 2 has no licenses yet (status awaiting_stock); it is e-mailed automatically once stock arrives',
    );
  });

  it('passes on why an unroutable line has no pool', () => {
    expect(noLicensesYet({ lineId: '1', status: 'unroutable', statusReason: 'no pool for p_x in USD' })).toBe(
      'line 1 has no licenses yet (status unroutable: no pool for p_x in USD); it is e-mailed automatically once a pool serves this product',
    );
  });
});
