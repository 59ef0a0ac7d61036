import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { TEST_KEYS } from '@keypool/testing';
import { PoolService, as, createPool, startPoolService } from '../../test/pool-test-kit';
import { MiB, peakRssGrowth } from '../../test/rss-probe';

// The million-line import and its speed are measured by the bench (tools/bench/import.ts); this
// test keeps the memory bound of issue 11 in the default run, on a file big enough to show a leak.
const LINES = 100_000;
const ALLOWED_GROWTH_BYTES = 64 * MiB;

/** The file is generated as it is sent: neither the test nor the service ever holds it whole. */
function licenses(prefix: string, format: 'text' | 'json'): Readable {
  let next = 0;
  return new Readable({
    read() {
      if (next > LINES) return void this.push(null);
      const keys: string[] = [];
      for (let i = 0; i < 5000 && next < LINES; i++, next++) keys.push(`${prefix}-${next.toString(36).padStart(8, '0')}-KEY`);
      if (format === 'text') this.push(keys.length > 0 ? `${keys.join('\n')}\n` : '');
      else this.push(`${next - keys.length === 0 ? '[' : ','}${keys.map((k) => JSON.stringify(k)).join(',')}${next === LINES ? ']' : ''}`);
      if (next === LINES) next++;
    },
  });
}

function upload(url: string, path: string, body: Readable, contentType: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(path, url),
      { method: 'POST', headers: { Authorization: `Bearer ${TEST_KEYS.acme}`, 'Content-Type': contentType } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    body.pipe(req);
  });
}

describe('a 100,000-line import', () => {
  let service: PoolService;

  beforeAll(async () => {
    service = await startPoolService('pool_import_memory');
    // One import first, so the code and buffers every process loads once are not charged to the figure.
    const warmUp = await createPool(service.url, 'acme', { productId: 'p_memory_warm_up' });
    await as(service.url, 'acme')
      .upload(`/v1/pools/${warmUp.id}/licenses`, Array.from({ length: 2000 }, (_, i) => `WARM-UP-${i}`).join('\n'))
      .expect(200);
  });
  afterAll(() => service?.close());

  it.each([
    ['a text file', 'text', 'text/plain'],
    ['a JSON array', 'json', 'application/json'],
  ] as const)(
    'stores every license of %s in one import, its memory growth under 64 MiB',
    async (_, format, contentType) => {
      const pool = await createPool(service.url, 'acme', { productId: `p_memory_${format}` });
      const { result, growthBytes } = await peakRssGrowth(() =>
        upload(service.url, `/v1/pools/${pool.id}/licenses`, licenses(`MEM-${format.toUpperCase()}`, format), contentType),
      );
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ added: LINES, duplicates: { count: 0 }, blank: 0, rejected: { count: 0 } });
      console.log(`${format}: live memory grew ${Math.round(growthBytes / MiB)} MiB importing ${LINES} licenses`);
      expect(growthBytes).toBeLessThan(ALLOWED_GROWTH_BYTES);
      const stock = await as(service.url, 'acme').get(`/v1/pools/${pool.id}`).expect(200);
      expect(stock.body).toMatchObject({ available: LINES });
    },
    120_000,
  );
});
