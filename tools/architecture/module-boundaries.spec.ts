import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '../..');

/** Lints a file as if it were committed at `path`, with the workspace's real config. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  // The config is passed in rather than discovered: ESLint's loader uses import(), which jest's VM lacks.
  const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: require(join(root, 'eslint.config.js')) });
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  beforeAll(() => {
    // The rule reads Nx's project graph; compute it so the check never silently skips.
    execFileSync(process.execPath, [require.resolve('nx/bin/nx'), 'show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: 'ignore',
    });
  });

  it('fails an app that imports another app', async () => {
    const errors = await boundaryErrors('apps/pool-service/src/leak.ts', "import { createSinkServer } from '../../sendgrid-sink/src/sink';\nexport const x = createSinkServer;\n");
    expect(errors).toHaveLength(1);
  });

  it('fails a lib that imports an app', async () => {
    const errors = await boundaryErrors('libs/messaging/src/leak.ts', "import { AppModule } from '../../../apps/pool-service/src/app.module';\nexport const x = AppModule;\n");
    expect(errors.length).toBe(1);
  });

  it('fails the contracts lib when it depends on another lib of ours', async () => {
    const errors = await boundaryErrors('libs/contracts/src/leak.ts', "import { SecretBox } from '@keypool/platform';\nexport const x = SecretBox;\n");
    expect(errors).toEqual([expect.stringContaining('type:contracts')]);
  });

  it('lets an app use the shared libs', async () => {
    const errors = await boundaryErrors('apps/pool-service/src/ok.ts', "import { SecretBox } from '@keypool/platform';\nexport const x = SecretBox;\n");
    expect(errors).toEqual([]);
  });
});
