import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('pool-service main', () => {
  it('stops at start with a message naming a malformed setting', async () => {
    const failure = await run(process.execPath, ['-r', '@swc-node/register', 'apps/pool-service/src/main.ts'], {
      cwd: join(__dirname, '../../..'),
      env: { ...process.env, KAFKA_BROKERS: 'localhost', API_KEYS: 'support-key-1=support', DATA_ENCRYPTION_KEYS: 'nope' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toContain('KAFKA_BROKERS is malformed');
    expect(stderr).toContain('DATA_ENCRYPTION_KEYS is malformed');
  });
});
