import type { EventDataOf, EventType } from './registry';

// One valid `data` per event type, starting from the CONTRACT.md examples:
// specs across the workspace can build on them instead of inventing orders.
const customer = {
  email: 'ann@example.com',
  firstName: 'Ann',
  lastName: 'Lee',
  locale: 'en',
  phone: null,
  company: null,
  address: { country: 'DE', city: 'Berlin', zip: '10115', line: 'Main St 1' },
};

const item = {
  lineId: '1',
  productId: 'p_editor',
  productName: 'Photo Editor Pro 2026',
  productShortName: 'Photo Editor Pro',
  quantity: 2,
  unitPrice: '19.99',
  lineTotal: '39.98',
  instructionsUrl: null,
  downloadUrl: null,
  additionalInfo: null,
};

const line = { orderId: 'ord_1001', merchantId: 'm_acme', lineId: '1', productId: 'p_editor' };
const order = { currency: 'EUR', test: false, paidAt: '2026-11-29T12:00:00Z', licenseFor: null, customer, item };

export const exampleEventData: { [T in EventType]: EventDataOf<T> } = {
  OrderPaid: {
    orderId: 'ord_1001',
    merchantId: 'm_acme',
    currency: 'EUR',
    paidAt: '2026-11-29T12:00:00Z',
    test: false,
    parentOrderId: null,
    customer,
    licenseFor: null,
    items: [item],
  },
  AllocationRequested: { ...line, ...order, licenseCount: 2, parentLicenses: [] },
  AllocationDeferred: {
    ...line,
    status: 'awaiting_stock',
    reason: 'pool pool_editor_eur has 1 license available; this line needs 2',
    poolId: 'pool_editor_eur',
    deferredAt: '2026-11-29T12:00:01Z',
  },
  LicenseAllocated: {
    ...line,
    ...order,
    poolId: 'pool_editor_eur',
    licenses: [
      { licenseId: 'lic_1', value: 'AAAA-BBBB-CCCC' },
      { licenseId: 'lic_2', value: 'DDDD-EEEE-FFFF' },
    ],
    parentLicenses: [],
  },
  EmailSent: {
    ...line,
    to: 'ann@example.com',
    licenseIds: ['lic_1', 'lic_2'],
    providerMessageId: 'sg_abc123',
    resend: false,
    sentAt: '2026-11-29T12:00:05Z',
  },
  EmailFailed: {
    ...line,
    to: 'ann@example.com',
    reason: 'SendGrid 503: service unavailable',
    permanent: false,
    attempts: 3,
    resend: false,
    failedAt: '2026-11-29T12:00:05Z',
    statusCode: 503,
  },
  OrderFulfilled: {
    orderId: 'ord_1001',
    merchantId: 'm_acme',
    fulfilledAt: '2026-11-29T12:00:06Z',
    lines: [{ lineId: '1', productId: 'p_editor', licenseIds: ['lic_1', 'lic_2'] }],
  },
  PoolLow: {
    poolId: 'pool_editor_eur',
    merchantId: 'm_acme',
    productId: 'p_editor',
    currency: null,
    available: 3,
    threshold: 10,
    level: 'low',
    backordered: 0,
    poolName: 'Editor (EUR)',
    mode: 'live',
  },
  OrderRefunded: {
    orderId: 'ord_1001',
    merchantId: 'm_acme',
    lineIds: null,
    reason: 'customer_request',
    refundedAt: '2026-11-30T09:00:00Z',
  },
  LicenseRevoked: {
    licenseId: 'lic_1',
    merchantId: 'm_acme',
    poolId: 'pool_editor_eur',
    orderId: 'ord_1001',
    lineId: '1',
    reason: 'refund: customer_request',
    revokedAt: '2026-11-30T09:00:01Z',
  },
  OrderLineHeld: {
    orderId: 'ord_1001',
    merchantId: 'm_acme',
    lineId: '1',
    productId: 'p_editor',
    status: 'awaiting_stock',
    since: '2026-11-29T12:00:01Z',
  },
  AllocationRefunded: {
    orderId: 'ord_1001',
    merchantId: 'm_acme',
    lines: [{ lineId: '1', emailed: true }],
    reason: 'customer_request',
    refundedAt: '2026-11-30T09:00:00Z',
  },
  LicensesRevealed: {
    orderId: 'ord_1001',
    merchantId: 'm_acme',
    lineId: '1',
    licenseIds: ['lic_1'],
    auditId: '42',
    callerKind: 'support',
    keyId: 'key_0123456789ab',
    revealedAt: '2026-11-30T10:00:00Z',
  },
};
