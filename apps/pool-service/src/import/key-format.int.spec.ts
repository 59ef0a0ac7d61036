import { PoolService, as, createPool, revealedValues, startPoolService } from '../../test/pool-test-kit';

const PATTERN = '[A-Z]{4}(-[0-9]{4}){2}';

describe('key format per pool over HTTP', () => {
  let service: PoolService;
  let url: string;

  beforeAll(async () => {
    service = await startPoolService('pool_key_format');
    url = service.url;
  });
  afterAll(() => service?.close());

  const upload = (poolId: string, body: string, query = '') => as(url, 'acme').upload(`/v1/pools/${poolId}/licenses${query}`, body);
  const tryPattern = (poolId: string, body: string, pattern?: string) =>
    as(url, 'acme').upload(`/v1/pools/${poolId}/key-format/try${pattern === undefined ? '' : `?pattern=${encodeURIComponent(pattern)}`}`, body);

  const file = ['license key', 'ABCD-1234-5678', '', ' EFGH-0000-1111 ', 'ABCD-1234-567', 'xABCD-1234-5678', 'IJKL-2222-3333'].join('\n');

  it('stores a pool key pattern, checks it at import and rejects non-matching lines by number with reason format', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_format', keyPattern: PATTERN });
    expect(pool.keyPattern).toBe(PATTERN);
    const dry = (await upload(pool.id, file, '?dryRun=true').expect(200)).body;
    expect(dry).toMatchObject({ added: 3, blank: 1, dryRun: true });
    const report = (await upload(pool.id, file).expect(200)).body;
    expect(report).toMatchObject({
      added: 3,
      blank: 1,
      rejected: {
        count: 3,
        lines: [
          { line: 1, reason: 'format' },
          { line: 5, reason: 'format' },
          { line: 6, reason: 'format' },
        ],
      },
    });
    expect(await revealedValues(url, pool.id)).toEqual(['ABCD-1234-5678', 'EFGH-0000-1111', 'IJKL-2222-3333']);
    const strict = await upload(pool.id, 'MNOP-4444-5555\nbad', '?strict=true').expect(422);
    expect(strict.body.details.rejected.lines).toEqual([{ line: 2, reason: 'format' }]);
  });

  it('changes and removes the pattern; without one every license is accepted', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_format_change' });
    expect(pool.keyPattern).toBeNull();
    expect((await as(url, 'acme').patch(`/v1/pools/${pool.id}`, { keyPattern: 'K-[0-9]+' }).expect(200)).body.keyPattern).toBe('K-[0-9]+');
    expect((await as(url, 'acme').patch(`/v1/pools/${pool.id}`, { name: 'renamed' }).expect(200)).body.keyPattern).toBe('K-[0-9]+');
    expect((await upload(pool.id, 'K-1\nQ-2', '?dryRun=true').expect(200)).body.rejected).toEqual({ count: 1, lines: [{ line: 2, reason: 'format' }] });
    expect((await as(url, 'acme').patch(`/v1/pools/${pool.id}`, { keyPattern: null }).expect(200)).body.keyPattern).toBeNull();
    expect((await upload(pool.id, 'K-1\nQ-2', '?dryRun=true').expect(200)).body).toMatchObject({ added: 2, rejected: { count: 0 } });
  });

  it('refuses a pattern over 200 characters, one that does not compile and one with lookaround, with 400 saying why', async () => {
    const long = await as(url, 'acme')
      .post('/v1/pools', { productId: 'p_format_bad', threshold: 0, keyPattern: 'A'.repeat(201) })
      .expect(400);
    expect(long.body.message).toContain('keyPattern');
    const broken = await as(url, 'acme').post('/v1/pools', { productId: 'p_format_bad', threshold: 0, keyPattern: '([A-Z]' }).expect(400);
    expect(broken.body.message).toContain('missing closing )');
    const pool = await createPool(url, 'acme', { productId: 'p_format_bad', keyPattern: 'A'.repeat(200) });
    const lookaround = await as(url, 'acme').patch(`/v1/pools/${pool.id}`, { keyPattern: '(?=K)K' }).expect(400);
    expect(lookaround.body.message).toContain('no backreferences or lookaround');
    expect((await as(url, 'acme').get(`/v1/pools/${pool.id}`).expect(200)).body.keyPattern).toBe('A'.repeat(200));
    const tooLong = await tryPattern(pool.id, 'x', 'A'.repeat(201)).expect(400);
    expect(tooLong.body.message).toContain('query.pattern: must be at most 200');
  });

  it('tries a pattern against a file without importing it: counts and the first non-matching lines, no values', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_format_try' });
    const none = await tryPattern(pool.id, file).expect(400);
    expect(none.body.message).toContain('?pattern=');
    const trial = (await tryPattern(pool.id, file, PATTERN).expect(200)).body;
    expect(trial).toEqual({ pattern: PATTERN, matching: 3, notMatching: { count: 3, lines: [1, 5, 6] }, blank: 1, rejected: 0 });
    expect(JSON.stringify(trial)).not.toContain('ABCD');
    expect((await as(url, 'acme').get(`/v1/pools/${pool.id}`).expect(200)).body.available).toBe(0);
    await as(url, 'acme').patch(`/v1/pools/${pool.id}`, { keyPattern: 'ABCD.*' }).expect(200);
    expect((await tryPattern(pool.id, file).expect(200)).body).toMatchObject({ pattern: 'ABCD.*', matching: 2, notMatching: { count: 4 } });
  });

  it('finishes a catastrophic pattern against a long line: (a+)+$ cannot stall the import or the try', async () => {
    const pool = await createPool(url, 'acme', { productId: 'p_format_redos', keyPattern: '(a+)+$' });
    const evil = `${'a'.repeat(2000)}!`;
    const lines = [evil, 'a'.repeat(2000), evil].join('\n');
    expect((await upload(pool.id, lines, '?dryRun=true').expect(200)).body).toMatchObject({
      added: 1,
      rejected: {
        count: 2,
        lines: [
          { line: 1, reason: 'format' },
          { line: 3, reason: 'format' },
        ],
      },
    });
    expect((await tryPattern(pool.id, lines).expect(200)).body).toMatchObject({ matching: 1, notMatching: { count: 2, lines: [1, 3] } });
  });
});
