import type { OrderForEmail } from './order-view';

/** What a preview shows when the merchant gives no order of their own. */
export const SAMPLE_ORDER: OrderForEmail = {
  orderId: 'ord_1001',
  currency: 'EUR',
  paidAt: '2026-11-29T12:00:00Z',
  licenseFor: 'Lee Photography',
  customer: {
    email: 'ann@example.com',
    firstName: 'Ann',
    lastName: 'Lee',
    locale: 'en',
    phone: '+49 30 1234567',
    company: 'Lee Photography',
    address: { country: 'DE', city: 'Berlin', zip: '10115', line: 'Main St 1' },
  },
  item: {
    lineId: '1',
    productId: 'p_editor',
    productName: 'Photo Editor Pro 2026',
    productShortName: 'Photo Editor Pro',
    quantity: 2,
    unitPrice: '19.99',
    lineTotal: '39.98',
    instructionsUrl: 'https://example.com/editor/install',
    downloadUrl: 'https://example.com/editor/download',
    additionalInfo: 'Activate within 30 days.',
  },
  licenses: [{ value: 'AAAA-BBBB-CCCC-DDDD' }, { value: 'EEEE-FFFF-GGGG-HHHH' }],
  parentLicenses: [],
};
