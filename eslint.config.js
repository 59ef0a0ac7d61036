// Lint guards the architecture: Nx module boundaries keep apps from importing apps and libs
// from importing apps; the contracts lib depends on nothing of ours; @keypool/testing stays out
// of production code. typescript-eslint's type-checked rules catch what the compiler lets
// through: floating promises, awaited non-promises, unbound methods, `any` in production code.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

// Test code: specs, test kits, tools and e2e.
const testCode = ['**/*.spec.ts', 'tools/**/*.ts', 'e2e/**/*.ts', 'apps/*/test/**/*.ts', 'libs/*/test/**/*.ts', 'libs/testing/**/*.ts'];

module.exports = [
  { ignores: ['**/node_modules/**', 'dist/**', '.cache/**', '.nx/**', 'coverage/**', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
      // The test kit (fake keys, throwaway databases, waitUntil) never ships: production code
      // that imports it fails here; the block below allows it where tests and tools live.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@keypool/testing', '@keypool/testing/*'],
              message: '@keypool/testing is for specs, tools, e2e and test kits (apps/*/test, libs/*/test) only, never production code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: testCode,
    rules: { 'no-restricted-imports': 'off' },
  },
  // typescript-eslint's type-checked recommended rules (issue 14), for every file.
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    // `const { secret: _dropped, ...rest } = x` is how a copy leaves a field out.
    rules: { '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    // Test code reads untyped JSON answers (HTTP bodies, Kafka messages, YAML manifests) and
    // asserts on them; typing each answer would not make a test catch more. The rules on
    // `any` flowing around are off there; the others (floating promises, awaited
    // non-thenables, unbound methods, ...) stay on everywhere.
    files: testCode,
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
];
