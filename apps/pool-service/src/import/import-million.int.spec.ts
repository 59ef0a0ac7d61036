import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { TEST_KEYS } from '@keypool/testing';
import { PoolService, as, createPool, startPoolService } from '../testing/pool-test-kit';
import { exposedGc } from '../testing/rss-probe';

const LINES = 1_000_000;
const ALLOWED_GROWTH_BYTES = 150 * 1024 * 1024;

/**
 * The file is generated as it is sent: neither the test nor the service ever holds it whole.
 * As text, one license per line; as JSON, one array of strings.
 */
function millionLicenses(prefix: string, format: 'text' | 'json'): Readable {
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
    const target = new URL(path, url);
    const req = httpRequest(
      target,
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

describe('a million-line import', () => {
  let service: PoolService;

  beforeAll(async () => {
    service = await startPoolService('pool_million');
  });
  afterAll(() => service?.close());

  it.each([
    ['a text file', 'text', 'text/plain'],
    ['a JSON array', 'json', 'application/json'],
  ] as const)('stores every license of %s in one import while memory stays flat', async (_, format, contentType) => {
    const pool = await createPool(service.url, 'acme', { productId: `p_bulk_${format}` });
    const collectGarbage = exposedGc();
    collectGarbage();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let ticks = 0;
    // Garbage is collected every second so RSS shows what the import keeps, not what V8 has yet to free.
    const sampler = setInterval(() => {
      if (++ticks % 20 === 0) collectGarbage();
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    try {
      const response = await upload(service.url, `/v1/pools/${pool.id}/licenses`, millionLicenses(`BULK-${format.toUpperCase()}`, format), contentType);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ added: LINES, duplicates: { count: 0 }, blank: 0, rejected: { count: 0 } });
    } finally {
      clearInterval(sampler);
    }
    console.log(`${format}: RSS grew ${Math.round((peak - baseline) / 2 ** 20)} MiB importing ${LINES} licenses`);
    expect(peak - baseline).toBeLessThan(ALLOWED_GROWTH_BYTES);
    const stock = await as(service.url, 'acme').get(`/v1/pools/${pool.id}`).expect(200);
    expect(stock.body).toMatchObject({ available: LINES });
  }, 150_000);
});
