import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { TEST_KEYS } from '@keypool/testing';
import { within } from '../../test/deadline';
import { PoolService, allocateDirectly, as, createPool, importKeys, lineRequest, revealedValues, startPoolService } from '../../test/pool-test-kit';

describe('license import over HTTP', () => {
  let service: PoolService;
  let url: string;

  beforeAll(async () => {
    service = await startPoolService('pool_import');
    url = service.url;
  });
  afterAll(() => service?.close());

  const upload = (poolId: string, body: string | Buffer, query = '') => as(url, 'acme').upload(`/v1/pools/${poolId}/licenses${query}`, body);
  const stockOf = async (poolId: string) => (await as(url, 'acme').get(`/v1/pools/${poolId}`)).body;

  it('normalises BOM, CRLF and whitespace, skips blank lines and reports each rejected line with its reason', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_edges' });
    const file = Buffer.concat([
      Buffer.from('\ufeffKEY-BOM-0001\r\n'),
      Buffer.from('  KEY-TRIM-0002  \r\n'),
      Buffer.from('\r\n   \n'),
      Buffer.from('KEY\u0001CTRL\n'),
      Buffer.from(`${'L'.repeat(2049)}\n`),
      Buffer.from('http://files.example.com/a.zip\n'),
      Buffer.from('https://exa mple.com/b.zip\n'),
      Buffer.from([0x4b, 0x45, 0x59, 0xc3, 0x28, 0x0a]),
      Buffer.from('https://files.example.com/c.zip\n'),
    ]);
    const report = (await upload(pool.id, file).expect(200)).body;
    expect(report).toEqual({
      uploadId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      label: null,
      added: 3,
      duplicates: { count: 0, lines: [] },
      blank: 2,
      rejected: {
        count: 5,
        lines: [
          { line: 5, reason: 'contains a control character (U+0001); remove it' },
          { line: 6, reason: 'longer than 2,048 characters' },
          { line: 7, reason: 'links must use https://, not http://' },
          { line: 8, reason: 'not a valid https:// link: it contains spaces' },
          { line: 9, reason: 'not valid UTF-8 text' },
        ],
      },
      dryRun: false,
      strict: false,
    });
    const values = await revealedValues(url, pool.id);
    expect(values).toEqual(['KEY-BOM-0001', 'KEY-TRIM-0002', 'https://files.example.com/c.zip']);
  });

  it('skips duplicates within the file and across the merchant pools, sold ones included', async () => {
    const first = await createPool(url, 'acme', { productId: 'p_dup_a' });
    const second = await createPool(url, 'acme', { productId: 'p_dup_b' });
    await importKeys(url, 'acme', first.id, ['DUP-SOLD-0001', 'DUP-KEPT-0002']);
    await allocateDirectly(service, [lineRequest({ orderId: 'ord_dup', productId: 'p_dup_a', licenseCount: 1 })]);
    expect(await stockOf(first.id)).toMatchObject({ available: 1, allocated: 1 });
    const report = await importKeys(url, 'acme', second.id, ['DUP-NEW-0003', 'DUP-SOLD-0001', 'DUP-NEW-0003', 'DUP-KEPT-0002', 'DUP-NEW-0004']);
    expect(report).toMatchObject({ added: 2, duplicates: { count: 3, lines: [2, 3, 4] } });
    expect(await stockOf(second.id)).toMatchObject({ available: 2 });
  });

  it('refuses keys with invisible characters, naming the line and the code point, in a text file and a JSON array', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_invisible' });
    const lines = ['SEEN-0001', 'SEEN\u200b-0001', 'SEEN-\u00ad0002', '\u202eSEEN-0003', 'SEEN\ufeff-0004'];
    const expected = {
      added: 1,
      rejected: {
        count: 4,
        lines: [
          { line: 2, reason: 'contains an invisible character (U+200B ZERO WIDTH SPACE); remove it' },
          { line: 3, reason: 'contains an invisible character (U+00AD SOFT HYPHEN); remove it' },
          { line: 4, reason: 'contains an invisible character (U+202E RIGHT-TO-LEFT OVERRIDE); remove it' },
          { line: 5, reason: 'contains an invisible character (U+FEFF BYTE ORDER MARK); remove it' },
        ],
      },
    };
    expect((await upload(pool.id, lines.join('\n')).expect(200)).body).toMatchObject(expected);
    const json = await as(url, 'acme')
      .post(`/v1/pools/${pool.id}/licenses?dryRun=true`, ['SEEN-0005', ...lines.slice(1)])
      .expect(200);
    expect(json.body).toMatchObject(expected);
  });

  it('calls keys equal in NFKC form duplicates, stores the value as sent, and keeps letter case apart', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_nfkc' });
    const fullWidth = '\uff2e\uff26\uff2b\uff23-\uff10\uff10\uff10\uff11';
    expect(await importKeys(url, 'acme', pool.id, [fullWidth, 'NFKC\u00a0KEY-0002'])).toMatchObject({ added: 2 });
    const report = await importKeys(url, 'acme', pool.id, ['NFKC-0001', 'NFKC KEY-0002', 'nfkc-0001', '\ufb01le-0003', 'file-0003']);
    expect(report).toMatchObject({ added: 2, duplicates: { count: 3, lines: [1, 2, 5] } });
    const values = await revealedValues(url, pool.id);
    expect(values).toEqual([fullWidth, 'NFKC\u00a0KEY-0002', 'nfkc-0001', '\ufb01le-0003']);
  });

  it('lets another merchant import the same key: duplicates are per merchant', async () => {
    const acme = await createPool(url, 'acme', { productId: 'p_shared' });
    const globex = await createPool(url, 'globex', { productId: 'p_shared' });
    await importKeys(url, 'acme', acme.id, ['SHARED-KEY-0001']);
    const report = await importKeys(url, 'globex', globex.id, ['SHARED-KEY-0001']);
    expect(report).toMatchObject({ added: 1, duplicates: { count: 0 } });
  });

  it('reports a dry run exactly as the real import, storing nothing', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_dry' });
    const file = 'DRY-0001\nDRY-0001\n\nhttp://x.example.com\nDRY-0002';
    const dry = (await upload(pool.id, file, '?dryRun=true').expect(200)).body;
    expect(dry).toMatchObject({ uploadId: null, added: 2, duplicates: { count: 1, lines: [2] }, blank: 1, rejected: { count: 1 }, dryRun: true });
    expect(await stockOf(pool.id)).toMatchObject({ available: 0 });
    const real = (await upload(pool.id, file).expect(200)).body;
    expect(real.uploadId).toEqual(expect.any(String));
    expect({ ...real, uploadId: null, dryRun: true }).toEqual(dry);
    expect(await stockOf(pool.id)).toMatchObject({ available: 2 });
  });

  it('refuses a strict import with any rejected line, storing nothing and answering 422 with the report', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_strict' });
    const refused = await upload(pool.id, 'STRICT-0001\nhttp://bad.example.com\n', '?strict=true').expect(422);
    expect(refused.body.message).toContain('1 line(s) rejected; nothing was stored');
    expect(refused.body.details).toMatchObject({ added: 1, rejected: { count: 1, lines: [{ line: 2 }] }, strict: true });
    expect(await stockOf(pool.id)).toMatchObject({ available: 0 });
    const accepted = await upload(pool.id, 'STRICT-0001\nSTRICT-0002\n', '?strict=true').expect(200);
    expect(accepted.body).toMatchObject({ added: 2, strict: true });
  });

  it('accepts a multipart/form-data file and a JSON array of strings', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_forms' });
    const multipart = await request(url)
      .post(`/v1/pools/${pool.id}/licenses`)
      .set('Authorization', `Bearer ${TEST_KEYS.acme}`)
      .field('note', 'ignored')
      .attach('file', Buffer.from('FORM-0001\r\nFORM-0002\r\n'), { filename: 'keys.txt', contentType: 'text/plain' })
      .expect(200);
    expect(multipart.body).toMatchObject({ added: 2 });
    const json = await as(url, 'acme').post(`/v1/pools/${pool.id}/licenses`, ['JSON-0001', ' ', 'FORM-0001', 'JSON-0002']).expect(200);
    expect(json.body).toMatchObject({ added: 2, blank: 1, duplicates: { count: 1, lines: [3] } });
  });

  it('streams a JSON array far over the 100 kB JSON limit, and refuses malformed JSON storing nothing', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_json_big' });
    const keys = Array.from({ length: 20_000 }, (_, i) => `JSON-BIG-${String(i).padStart(6, '0')}-XXXXXXXXXXXX`);
    const big = await as(url, 'acme')
      .post(`/v1/pools/${pool.id}/licenses`, [...keys, 42, 'http://not-https.example.com'])
      .expect(200);
    expect(JSON.stringify(keys).length).toBeGreaterThan(500_000);
    expect(big.body).toMatchObject({ added: 20_000, rejected: { count: 2, lines: [{ line: 20_001, reason: 'not a string' }, { line: 20_002 }] } });
    const broken = await request(url)
      .post(`/v1/pools/${pool.id}/licenses`)
      .set('Authorization', `Bearer ${TEST_KEYS.acme}`)
      .set('Content-Type', 'application/json')
      .send('["JSON-NEW-0001", "JSON-NEW-0002", ')
      .expect(400);
    expect(broken.body.message).toMatch(/^The JSON body must be one array of strings, one license each; it could not be read: .+\. Nothing was stored$/);
    const notArray = await as(url, 'acme')
      .post(`/v1/pools/${pool.id}/licenses`, { keys: ['JSON-NEW-0003'] })
      .expect(400);
    expect(notArray.body.message).toContain('must be one array of strings');
    expect(await stockOf(pool.id)).toMatchObject({ available: 20_000 });
    // Other routes keep the platform's JSON parser and its limit.
    const tooLarge = await as(url, 'acme')
      .patch(`/v1/pools/${pool.id}`, { name: 'x'.repeat(200_000) })
      .expect(413);
    expect(tooLarge.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'The request body is over the limit of 100 kB for this endpoint; send less',
    });
    const notJson = await request(url)
      .patch(`/v1/pools/${pool.id}`)
      .set('Authorization', `Bearer ${TEST_KEYS.acme}`)
      .set('Content-Type', 'application/json')
      .send('{"name":')
      .expect(400);
    expect(notJson.body.message).toMatch(/^The request body is not valid JSON: /);
  });

  it.each([
    ['text/plain', 'ABORT-0001\nABORT-0002\n'],
    ['application/json', '["ABORT-0001", "ABORT-0002", '],
    [
      'multipart/form-data; boundary=keypool',
      '--keypool\r\nContent-Disposition: form-data; name="file"; filename="keys.txt"\r\nContent-Type: text/plain\r\n\r\nABORT-0001\r\nABORT-',
    ],
  ])('stores nothing from a %s upload the client abandons, and the merchant can import again at once', async (contentType, partial) => {
    const pool = await createPool(url, 'acme', { productId: `p_abort_${contentType.split(/[/;]/)[1]}` });
    await new Promise<void>((resolve) => {
      const target = new URL(`/v1/pools/${pool.id}/licenses`, url);
      const req = httpRequest(target, { method: 'POST', headers: { Authorization: `Bearer ${TEST_KEYS.acme}`, 'Content-Type': contentType } });
      req.on('error', () => resolve());
      req.write(partial);
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 500);
    });
    // The abandoned import held the merchant's import lock; it must have let go.
    const next = importKeys(url, 'acme', pool.id, [`AFTER-ABORT-${contentType}`]);
    expect(await within(15000, next, 'the next import waited on the abandoned one')).toMatchObject({ added: 1 });
    expect(await stockOf(pool.id)).toMatchObject({ available: 1 });
  });

  it('says how to send licenses when the body is of another kind or has no file', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_kinds' });
    const xml = await request(url)
      .post(`/v1/pools/${pool.id}/licenses`)
      .set('Authorization', `Bearer ${TEST_KEYS.acme}`)
      .set('Content-Type', 'application/xml')
      .send('<keys/>')
      .expect(415);
    expect(xml.body.message).toContain('text/plain');
    const noFile = await request(url)
      .post(`/v1/pools/${pool.id}/licenses`)
      .set('Authorization', `Bearer ${TEST_KEYS.acme}`)
      .field('note', 'no file here')
      .expect(400);
    expect(noFile.body.message).toContain('field named "file"');
    await as(url, 'acme')
      .post(`/v1/pools/${pool.id}/licenses`, { keys: ['A'] })
      .expect(400);
  });
});
