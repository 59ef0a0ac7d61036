// Lint guards the architecture: Nx module boundaries keep apps from importing apps and libs
// from importing apps; the contracts lib depends on nothing of ours; @keypool/testing stays out
// of production code.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

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
              message: '@keypool/testing is for specs, tools, e2e and test kits (apps/*/src/testing, */test) only, never production code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'tools/**/*.ts', 'e2e/**/*.ts', 'apps/*/src/testing/**/*.ts', 'apps/*/test/**/*.ts', 'libs/*/test/**/*.ts', 'libs/testing/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
];
