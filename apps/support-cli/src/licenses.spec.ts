import { PassThrough } from 'node:stream';
import { UsageError, parseCommand } from './args';
import { printLicenseHistory, readLicenseValue, readStdin } from './licenses';

describe('support CLI: license', () => {
  it('reads license lookup with a value file (or - for stdin) and license history with an id', () => {
    expect(parseCommand(['license', 'lookup', '--value-file', 'key.txt'])).toEqual({ name: 'license-lookup', valueFile: 'key.txt', json: false });
    expect(parseCommand(['license', 'lookup', '--value-file', '-', '--merchant', 'm_a', '--json'])).toEqual({
      name: 'license-lookup',
      valueFile: '-',
      merchantId: 'm_a',
      json: true,
    });
    expect(parseCommand(['license', 'history', 'lic-1', '--json'])).toEqual({ name: 'license-history', licenseId: 'lic-1', json: true });
  });

  it('refuses a value on the command line, where ps shows it, and other wrong usage', () => {
    expect(() => parseCommand(['license', 'lookup', 'AAAA-BBBB'])).toThrow(/takes no value on the command line/);
    expect(() => parseCommand(['license', 'lookup', '--value', 'AAAA-BBBB'])).toThrow(UsageError);
    expect(() => parseCommand(['license', 'lookup'])).toThrow(/needs --value-file/);
    expect(() => parseCommand(['license', 'history'])).toThrow(/needs one license id, got none/);
    expect(() => parseCommand(['license', 'show', 'x'])).toThrow(/license needs lookup or history, got "show"/);
  });

  it('takes one value from a file or stdin, trimmed, and refuses an empty, multi-line or oversized one', async () => {
    const stdin = (text: string) => () => Promise.resolve(Buffer.from(text));
    expect(await readLicenseValue('-', stdin('  AAAA-BBBB\r\n'))).toBe('AAAA-BBBB');
    await expect(readLicenseValue('-', stdin('\n'))).rejects.toThrow('stdin holds no value');
    await expect(readLicenseValue('-', stdin('A\nB\n'))).rejects.toThrow('stdin holds several lines');
    await expect(readLicenseValue('-', stdin('A'.repeat(70_000)))).rejects.toThrow(/more than 64 KiB/);
    await expect(readLicenseValue('/nonexistent/key.txt', stdin(''))).rejects.toThrow(/ENOENT/);
    const stream = new PassThrough();
    stream.end('CCCC\n');
    expect((await readStdin(stream)).toString()).toBe('CCCC\n');
  });

  it('prints the license and one line per entry with its detail, never a value but the masked one', () => {
    const out: string[] = [];
    printLicenseHistory(
      {
        license: { licenseId: 'lic-1', value: 'AAAA••••DDDD', status: 'revoked', poolId: 'pool-1', merchantId: 'm_a', productId: 'p_1', test: false },
        history: [
          { at: '2026-11-29T10:00:00.000Z', kind: 'imported', orderId: null, lineId: null, uploadId: 'up-1', uploadLabel: null },
          { at: '2026-11-29T11:00:00.000Z', kind: 'revoked', orderId: 'ord_1', lineId: '1', via: 'refund', policy: 'revoke', reason: 'chargeback' },
        ],
        more: false,
      },
      (line) => out.push(line),
    );
    expect(out).toEqual([
      'license lic-1  revoked  AAAA••••DDDD  merchant m_a  pool pool-1  product p_1',
      '  2026-11-29T10:00:00.000Z  imported   uploadId=up-1',
      '  2026-11-29T11:00:00.000Z  revoked    order ord_1 line 1  via=refund policy=revoke reason=chargeback',
    ]);
  });
});
