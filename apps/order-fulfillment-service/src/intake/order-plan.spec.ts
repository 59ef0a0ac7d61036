import { exampleEventData, type OrderPaidData } from '@keypool/contracts';
import type { DeliverySetting } from '../delivery/delivery-rule';
import { planOrder, repeatedLineId } from './order-plan';

const order = (): OrderPaidData => ({
  ...structuredClone(exampleEventData.OrderPaid),
  items: [
    { ...exampleEventData.OrderPaid.items[0], lineId: '1', productId: 'p_unit', quantity: 3 },
    { ...exampleEventData.OrderPaid.items[0], lineId: '2', productId: 'p_product', quantity: 2 },
  ],
});
const settings: Record<string, DeliverySetting> = { p_product: { rule: 'per_product', showOnOrderPage: false, renewalRequiresSameCustomer: true } };

describe('planning a paid order', () => {
  it('asks for quantity licenses per unit and one per product line, defaulting to per unit', () => {
    const plan = planOrder(order(), (productId) => settings[productId], undefined);
    expect(plan.requests.map((r) => [r.lineId, r.licenseCount])).toEqual([
      ['1', 3],
      ['2', 1],
    ]);
    expect(plan.lines.map((l) => l.rule)).toEqual(['per_unit', 'per_product']);
    expect(plan.notes).toEqual([]);
  });

  it("carries the order context into every request, and each line the parent's licenses of its own product", () => {
    const old = { licenseId: 'lic_old', value: 'OLD-KEY' };
    const parent = { orderId: 'ord_1', merchantId: 'm_acme', customerEmail: 'ANN@example.com', licensesByProduct: new Map([['p_unit', [old]]]) };
    const plan = planOrder({ ...order(), parentOrderId: 'ord_1', test: null }, () => undefined, parent);
    expect(plan.requests[0]).toMatchObject({
      orderId: 'ord_1001',
      currency: 'EUR',
      test: false,
      customer: { email: 'ann@example.com' },
      parentLicenses: [old],
    });
    expect(plan.requests[1].parentLicenses).toEqual([]);
    expect(plan.notes).toEqual([expect.stringContaining('no licenses of p_product')]);
  });

  it('notes a renewal whose parent order is unknown and proceeds without parent licenses', () => {
    const plan = planOrder({ ...order(), parentOrderId: 'ord_gone' }, () => undefined, undefined);
    expect(plan.requests[0].parentLicenses).toEqual([]);
    expect(plan.notes).toEqual([expect.stringContaining('ord_gone, which this service does not know')]);
  });

  it('finds two lines sharing a line id', () => {
    const twice = order();
    twice.items[1].lineId = '1';
    expect(repeatedLineId(twice)).toBe('data.items[1].lineId: repeats line "1" of the same order');
    expect(repeatedLineId(order())).toBeUndefined();
  });
});
