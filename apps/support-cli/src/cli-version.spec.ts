import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliVersion, runCli } from './cli';

describe('the support CLI asked for help or its version', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } };
  };

  it('prints the version of the keypool package and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(cliVersion()).toBe(version);
    const run = io();
    expect(await runCli(['--version'], {}, run.io)).toBe(0);
    expect(run.out).toEqual([`keypool support CLI ${version}`]);
  });

  it('prints the usage for --help after any command and exits 0, where an unknown option still exits 2', async () => {
    const help = io();
    expect(await runCli(['replay', '--help'], {}, help.io)).toBe(0);
    expect(help.out.join('\n')).toContain('npm run support -- replay --since');
    const wrong = io();
    expect(await runCli(['replay', '--frobnicate'], {}, wrong.io)).toBe(2);
    expect(wrong.err[0]).toMatch(/^error: /);
  });
});
