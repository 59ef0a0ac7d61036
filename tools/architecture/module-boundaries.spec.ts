import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const root = join(__dirname, '../..');

/**
 * The workspace's real lint config, passed in rather than discovered: ESLint's loader uses
 * import(), which jest's VM lacks. The files linted here do not exist, so the project service
 * cannot type them: the type-checked rules are off, the import rules under test are not.
 */
function workspaceLinter(): ESLint {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the config is CommonJS and jest's VM lacks import()
  const config = require(join(root, 'eslint.config.js')) as Linter.Config[];
  return new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: [...config, { ...tseslint.configs.disableTypeChecked, files: ['**/*.ts'] }] });
}

/** Lints a file as if it were committed at `path`, with the workspace's real config. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  const [result] = await workspaceLinter().lintText(code, { filePath: join(root, path) });
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
    const errors = await boundaryErrors(
      'apps/pool-service/src/leak.ts',
      "import { createSinkServer } from '../../sendgrid-sink/src/sink';\nexport const x = createSinkServer;\n",
    );
    expect(errors).toHaveLength(1);
  });

  it('fails a lib that imports an app', async () => {
    const errors = await boundaryErrors(
      'libs/messaging/src/leak.ts',
      "import { AppModule } from '../../../apps/pool-service/src/app.module';\nexport const x = AppModule;\n",
    );
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

/** The `no-restricted-imports` messages the workspace's lint config gives `code` at `path`. */
async function restrictedImportErrors(path: string, code: string): Promise<string[]> {
  const [result] = await workspaceLinter().lintText(code, { filePath: join(root, path) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the test kit stays out of production code', () => {
  const usesKit = "import { waitUntil } from '@keypool/testing';\nexport const x = waitUntil;\n";

  it.each(['apps/pool-service/src/pools/leak.ts', 'libs/messaging/src/leak.ts', 'apps/support-cli/src/leak.ts'])(
    'fails %s importing @keypool/testing',
    async (path) => {
      expect(await restrictedImportErrors(path, usesKit)).toEqual([expect.stringContaining('@keypool/testing is for specs, tools, e2e and test kits')]);
    },
  );

  it.each([
    'apps/pool-service/src/pools/pools.int.spec.ts',
    'apps/pool-service/test/pool-test-kit.ts',
    'apps/notification-service/test/harness.ts',
    'libs/messaging/test/harness.ts',
    'tools/bench/load.ts',
    'e2e/support/system.ts',
  ])('lets %s import it', async (path) => {
    expect(await restrictedImportErrors(path, usesKit)).toEqual([]);
  });
});

/** Source that ships: every app's and lib's src/, without specs or the testing lib (test kits live in each app's test/, outside src/). */
function productionFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) {
        files.push(relative(root, path));
      }
    }
  };
  for (const group of ['apps', 'libs']) {
    for (const project of readdirSync(join(root, group))) {
      if (group === 'libs' && project === 'testing') continue;
      if (existsSync(join(root, group, project, 'src'))) walk(join(root, group, project, 'src'));
    }
  }
  return files;
}

/** Lines that cast event data (an envelope or its data) through unknown: the contract's types say what it is. */
function eventDataCasts(path: string, code: string): string[] {
  return code
    .split('\n')
    .map((line, i) => ({ line, at: `${path}:${i + 1}` }))
    .filter(({ line }) => /\bas unknown as\b/.test(line) && /\b(envelope|data)\b/.test(line))
    .map(({ at }) => at);
}

/** Names given to Metrics.counter/gauge/histogram (the one door to prom-client), wherever they are registered. */
function metricNames(code: string): string[] {
  return [...code.matchAll(/\.(?:counter|gauge|histogram)\(\s*['"`]([^'"`]+)['"`]/g)].map((m) => m[1]);
}

describe('house rules', () => {
  const files = productionFiles().map((path) => ({ path, code: readFileSync(join(root, path), 'utf8') }));

  it('reads the production code it checks', () => {
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['libs/messaging/src/consumer/consumer-runner.ts', 'apps/pool-service/src/main.ts']));
    expect(files.some((f) => f.path.includes('.spec.') || f.path.startsWith('libs/testing/'))).toBe(false);
  });

  it('never casts event data through unknown: consumers get EventDataOf<T> from contractTopicConsumer', () => {
    expect(eventDataCasts('x.ts', 'const order = event.envelope.data as unknown as OrderPaidData;')).toEqual(['x.ts:1']);
    expect(files.flatMap((f) => eventDataCasts(f.path, f.code))).toEqual([]);
  });

  it('names every metric keypool_*', () => {
    const names = files.flatMap((f) => metricNames(f.code));
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((name) => !name.startsWith('keypool_'))).toEqual([]);
    // Metrics are registered through @keypool/platform's Metrics only, so the check above sees them all.
    const direct = files.filter((f) => /new (Counter|Gauge|Histogram|Summary)\b/.test(f.code)).map((f) => f.path);
    expect(direct).toEqual(['libs/platform/src/metrics/metrics.ts']);
  });

  it('adds no controller that reaches the database itself: use cases own their queries and transactions', () => {
    const controllers = files.filter((f) => f.path.endsWith('.controller.ts'));
    expect(controllers.length).toBeGreaterThan(10);
    const touching = controllers.filter((f) => /\b(DataSource|EntityManager|InjectDataSource|InjectEntityManager)\b/.test(f.code)).map((f) => f.path);
    expect(touching).toEqual([]);
  });

  // Raw @Body()/@Query('x'), DTO classes, thrown HTTP exceptions or a database handle mean a second dialect crept back.
  const dialect = /@Body\(|@Query\(|\bApiProperty(Optional)?\b|\bApiBody\b|\w+Exception\(|\bDataSource\b|\bEntityManager\b/;

  it("keeps notification-service's controllers to the one HTTP edge: TypeBox schemas, use-case results, no database", () => {
    const controllers = files.filter((f) => f.path.startsWith('apps/notification-service/src/') && f.path.endsWith('.controller.ts'));
    expect(controllers.length).toBe(3);
    expect(controllers.filter((f) => dialect.test(f.code)).map((f) => f.path)).toEqual([]);
    expect(controllers.every((f) => f.code.includes('@Endpoint(') && f.code.includes('unwrapResult('))).toBe(true);
  });

  it("keeps pool-service's controllers to the one HTTP edge: every operation an @Endpoint, refusals as use-case results, no database", () => {
    const controllers = files.filter((f) => f.path.startsWith('apps/pool-service/src/') && f.path.endsWith('.controller.ts'));
    expect(controllers.length).toBe(9);
    expect(controllers.filter((f) => dialect.test(f.code)).map((f) => f.path)).toEqual([]);
    const operations = (code: string) => (code.match(/@(Get|Post|Put|Patch|Delete)\(/g) ?? []).length;
    expect(controllers.filter((f) => (f.code.match(/@Endpoint\(/g) ?? []).length !== operations(f.code)).map((f) => f.path)).toEqual([]);
  });
});
