import { rowsOf, type BenchResults } from './report';

const base: BenchResults = {
  startedAt: '2026-12-02T00:00:00.000Z',
  smoke: false,
  servicesFrom: 'build',
  serviceNodeOptions: '',
  machine: { nproc: 2, cpu: 'test', loadAverage: [0, 0, 0] },
  notRun: { e2e: 'not in BENCH_PARTS', allocation: 'not in BENCH_PARTS', import: 'not in BENCH_PARTS', history: 'not in BENCH_PARTS' },
};

describe('bench table rows', () => {
  it('shows the bare hops figure when only the baseline ran', () => {
    const rows = rowsOf({ ...base, bareE2e: { orders: 10000, elapsedMs: 6606, ordersPerSecond: 1514, cpuMsPerOrder: { 'bare hops': 0.45, total: 1.15 } } });
    expect(rows[0]).toEqual({
      measure: 'end to end, 10,000 orders in one burst (orders/s)',
      value: 'not run (not in BENCH_PARTS)',
      baseline: '1,514 bare kafkajs hops (CPU 1.15 ms/order)',
      target: '≥ 0.5',
    });
  });

  it('says the end-to-end part did not run when neither keypool nor the baseline ran', () => {
    const rows = rowsOf({ ...base, notRun: { ...base.notRun, bare: 'not in BENCH_PARTS' } });
    expect(rows[0]).toEqual({ measure: 'end to end (orders/s)', value: 'not run (not in BENCH_PARTS)', baseline: '', target: '≥ 0.5' });
  });
});
