// One jest run for the whole workspace: unit specs sit next to their code,
// integration specs (real Kafka, real PostgreSQL) end in .int.spec.ts, and
// cross-service tests live in e2e/.
const swc = JSON.parse(require('fs').readFileSync(__dirname + '/.swcrc', 'utf8'));

// KEYPOOL_STACK=containers: Kafka and PostgreSQL start in Docker through testcontainers
// (libs/testing/src/containers.ts); unset or `local`: the Docker-free local stack (tools/stack).
const stack = process.env.KEYPOOL_STACK || 'local';
if (!['local', 'containers'].includes(stack)) throw new Error(`KEYPOOL_STACK must be "local" or "containers", got "${stack}"`);

module.exports = {
  ...(stack === 'containers'
    ? { globalSetup: '<rootDir>/libs/testing/src/containers-setup.ts', globalTeardown: '<rootDir>/libs/testing/src/containers-teardown.ts' }
    : {}),
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/e2e', '<rootDir>/tools'],
  testMatch: ['**/*.spec.ts'],
  // Restarts a private Kafka broker (about a minute): KEYPOOL_BROKER_RESTART_TEST=1, which npm test sets.
  // Starts a private SASL_SSL broker (40-75 s on 2 busy cores): KEYPOOL_SASL_SSL_TEST=1, which npm test sets.
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(process.env.KEYPOOL_BROKER_RESTART_TEST === '1' ? [] : ['broker-restart\\.int\\.spec\\.ts$']),
    ...(process.env.KEYPOOL_SASL_SSL_TEST === '1' ? [] : ['kafka-security\\.int\\.spec\\.ts$']),
  ],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }] },
  moduleNameMapper: {
    '^@keypool/(contracts|messaging|operations|platform|testing)$': '<rootDir>/libs/$1/src/index.ts',
  },
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker that ran many integration files holds a large heap; memory tests force full
  // collections, which then cost seconds each. A fresh worker after a heavy file keeps them cheap.
  workerIdleMemoryLimit: '768MB',
  // A test that fails half way may leave a child process or a socket behind; the run must still
  // end (CI waits for it), so jest exits once every file has reported.
  forceExit: true,
};
