import { ApiKeyRegistry } from './api-keys';

describe('ApiKeyRegistry', () => {
  const registry = ApiKeyRegistry.parse('support-key-1=support, merchant-key-1=merchant:m_acme, checkout-key-1=checkout:m_acme');

  it('resolves merchant and support keys as callers', () => {
    expect(registry.resolve('support-key-1')).toMatchObject({ kind: 'support' });
    expect(registry.resolve('merchant-key-1')).toMatchObject({ kind: 'merchant', merchantId: 'm_acme' });
  });

  it('never hands a checkout key out as a caller, only as a key holder scoped to its merchant', () => {
    expect(registry.resolve('checkout-key-1')).toBeUndefined();
    expect(registry.resolveHolder('checkout-key-1')).toMatchObject({
      kind: 'checkout',
      merchantId: 'm_acme',
      keyId: expect.stringMatching(/^key_[0-9a-f]{12}$/),
    });
    expect(registry.resolveHolder('checkout-key-2')).toBeUndefined();
  });

  it.each(['k-12345678=checkout', 'k-12345678=checkout:', 'k-12345678=checkout:m acme', 'k-12345678=cashier:m_acme'])('refuses the entry %s', (spec) => {
    expect(() => ApiKeyRegistry.parse(spec)).toThrow(/role must be "support", "merchant:<merchantId>" or "checkout:<merchantId>"/);
  });
});
