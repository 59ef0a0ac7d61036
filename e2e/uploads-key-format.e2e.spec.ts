// Issue 15 §3 and §4 across the services, on the real broker and PostgreSQL: a pool's key format
// decides what an import takes (the rest is rejected by line number) and the licenses it took
// are sold through the whole flow to an e-mail; an upload recalled after some of it was sold
// withdraws the rest for good, reports the sold ones with their orders, and the next order waits.
import { randomInt } from 'node:crypto';
import { uniqueName, waitUntil } from '@keypool/testing';
import { type LineSpec, orderPaid, orderPaidEvent, publishOrderPaid } from './support/orders';
import { RunningSystem, api, keys, startSystem } from './support/system';

const merchantId = 'm_acme';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const randomGroup = () => Array.from({ length: 5 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

interface OrderView {
  status: string;
  lines: { lineId: string; status: string; licenses: { licenseId: string }[] }[];
}
interface ImportReport {
  uploadId: string;
  label: string | null;
  added: number;
  rejected: { count: number; lines: { line: number; reason: string }[] };
}
interface Recall {
  uploadId: string;
  withdrawn: number;
  alreadyWithdrawn: number;
  sold: { count: number; licenses: { licenseId: string; orderId: string; lineId: string }[] };
}

describe('key format and upload recall (three services, real broker and PostgreSQL)', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem('uploads_format');
  }, 180000);
  afterAll(async () => {
    await system?.stop();
  });

  const acme = { key: keys.acme };
  async function createPool(extra: Record<string, unknown> = {}): Promise<{ productId: string; poolId: string }> {
    const productId = uniqueName('p');
    const pool = await api<{ id: string }>(system.pool, 'POST', '/pools', { ...acme, json: { productId, threshold: 0, mode: 'live', ...extra }, expect: 201 });
    return { productId, poolId: pool.id };
  }
  const importLines = (poolId: string, lines: string[], label?: string) =>
    api<ImportReport>(system.pool, 'POST', `/pools/${poolId}/licenses${label ? `?label=${encodeURIComponent(label)}` : ''}`, {
      ...acme,
      text: lines.join('\n'),
    });
  /** Pays an order for one customer of its own, so the sink's mail for that address is this order's. */
  async function pay(lines: LineSpec[]): Promise<{ orderId: string; email: string }> {
    const base = orderPaid(merchantId, lines);
    const email = `${uniqueName('buyer')}@example.com`;
    await publishOrderPaid(system.kafka, system.topics.orderPaid, orderPaidEvent({ ...base, customer: { ...base.customer, email } }));
    return { orderId: base.orderId, email };
  }
  const order = (orderId: string) => api<OrderView>(system.fulfillment, 'GET', `/orders/${orderId}`, { expect: 200 }).catch(() => undefined);
  const waitForOrder = (orderId: string, what: string, check: (view: OrderView) => boolean) =>
    waitUntil(
      async () => {
        const view = await order(orderId);
        return view !== undefined && check(view);
      },
      45000,
      `order ${orderId}: ${what}`,
    );
  const mailTo = async (email: string) => {
    await waitUntil(async () => (await system.sink.messages(email)).length > 0, 30000, `the e-mail to ${email}`);
    return (await system.sink.messages(email)).map((m) => m.text ?? '').join('\n');
  };
  const pool = (poolId: string) => api<{ available: number; backordered: number }>(system.pool, 'GET', `/pools/${poolId}`, acme);

  it("rejects lines that do not match the pool's key format by line number, and sells the matching ones through to the e-mail", async () => {
    const pattern = '[A-Z0-9]{5}(-[A-Z0-9]{5}){2}';
    const formatted = await createPool({ keyPattern: pattern });
    const unformatted = await createPool();
    const good = Array.from({ length: 3 }, () => [randomGroup(), randomGroup(), randomGroup()].join('-'));
    const truncated = good[0].slice(0, 9);
    const header = 'serial;license';
    const file = [header, good[0], truncated, good[1], '', good[2]];

    // The dry run reads the file as the import will, with the pool's pattern, and stores nothing.
    const trial = await api(system.pool, 'POST', `/pools/${formatted.poolId}/key-format/try`, { ...acme, text: file.join('\n') });
    expect(trial).toEqual({ pattern, matching: 3, notMatching: { count: 2, lines: [1, 3] }, blank: 1, rejected: 0 });
    expect((await pool(formatted.poolId)).available).toBe(0);

    const report = await importLines(formatted.poolId, file, 'formatted batch');
    expect(report).toMatchObject({
      added: 3,
      label: 'formatted batch',
      rejected: {
        count: 2,
        lines: [
          { line: 1, reason: 'format' },
          { line: 3, reason: 'format' },
        ],
      },
    });
    // The format is the pool's: a pool without one takes the same header line.
    expect(await importLines(unformatted.poolId, [header])).toMatchObject({ added: 1, rejected: { count: 0 } });

    const { orderId, email } = await pay([{ productId: formatted.productId, quantity: 3 }]);
    await waitForOrder(orderId, 'fulfilled', (v) => v.status === 'fulfilled');
    const mail = await mailTo(email);
    for (const value of good) expect(mail).toContain(value);
    expect(mail).not.toContain(header);
    expect((await pool(formatted.poolId)).available).toBe(0);
  }, 120000);

  it('recalls an upload after some of it was sold: the unsold are withdrawn and never sold, the sold reported with their orders, the next order waits', async () => {
    const { productId, poolId } = await createPool();
    const batch = Array.from({ length: 4 }, () => uniqueName('VOIDED').toUpperCase());
    const report = await importLines(poolId, batch, 'vendor batch 12');
    expect(report).toMatchObject({ added: 4, label: 'vendor batch 12' });

    const sales = [await pay([{ productId, quantity: 1 }]), await pay([{ productId, quantity: 1 }])];
    const soldTo = new Map<string, string>();
    for (const sale of sales) {
      await waitForOrder(sale.orderId, 'fulfilled', (v) => v.status === 'fulfilled');
      soldTo.set((await order(sale.orderId))!.lines[0].licenses[0].licenseId, sale.orderId);
    }

    const listed = await api<{ items: { uploadId: string; label: string; recalledAt: string | null; report: { added: number } }[] }>(
      system.pool,
      'GET',
      `/pools/${poolId}/uploads`,
      acme,
    );
    expect(listed.items).toEqual([
      expect.objectContaining({ uploadId: report.uploadId, label: 'vendor batch 12', recalledAt: null, report: expect.objectContaining({ added: 4 }) }),
    ]);

    const recall = await api<Recall>(system.pool, 'POST', `/uploads/${report.uploadId}/recall`, acme);
    expect(recall).toMatchObject({ uploadId: report.uploadId, withdrawn: 2, alreadyWithdrawn: 0, sold: { count: 2 } });
    expect(new Map(recall.sold.licenses.map((l) => [l.licenseId, l.orderId]))).toEqual(soldTo);
    expect(recall.sold.licenses.every((l) => l.lineId === '1')).toBe(true);
    // Again: nothing more withdrawn, the same sold ones.
    const again = await api<Recall>(system.pool, 'POST', `/uploads/${report.uploadId}/recall`, acme);
    expect(again).toEqual({ ...recall, withdrawn: 0, alreadyWithdrawn: 2 });
    expect((await api<{ recalledAt: string | null }>(system.pool, 'GET', `/uploads/${report.uploadId}`, acme)).recalledAt).not.toBeNull();
    const withdrawn = (await api<{ items: { licenseId: string }[] }>(system.pool, 'GET', `/pools/${poolId}/licenses?status=withdrawn`, acme)).items.map(
      (l) => l.licenseId,
    );
    expect(withdrawn).toHaveLength(2);

    // The recalled licenses are not stock: the next order waits held.
    const later = await pay([{ productId, quantity: 1 }]);
    await waitForOrder(later.orderId, 'awaiting_stock', (v) => v.lines[0].status === 'awaiting_stock');
    expect(await pool(poolId)).toMatchObject({ available: 0, backordered: 1 });

    // A replacement upload serves it, with the new license and none of the recalled batch.
    const replacement = uniqueName('REPLACEMENT').toUpperCase();
    await importLines(poolId, [replacement], 'replacement');
    await waitForOrder(later.orderId, 'fulfilled', (v) => v.status === 'fulfilled');
    const served = (await order(later.orderId))!.lines[0].licenses.map((l) => l.licenseId);
    expect(served).toHaveLength(1);
    expect(withdrawn).not.toContain(served[0]);
    const mail = await mailTo(later.email);
    expect(mail).toContain(replacement);
    for (const value of batch) expect(mail).not.toContain(value);
  }, 120000);
});
