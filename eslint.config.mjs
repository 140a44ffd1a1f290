import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import jest from 'eslint-plugin-jest';
import prettier from 'eslint-config-prettier';

/**
 * Which projects may import which. contracts import nothing but zod; apps never import apps;
 * libs/testing only from specs and the e2e project (`withTesting` is on for spec files only).
 */
function boundaries(withTesting) {
  const testing = withTesting ? ['type:testing'] : [];
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      depConstraints: [
        { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [], allowedExternalImports: ['zod'] },
        { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', ...testing] },
        // The provisioning model (tables, repository, pure types): shared by router, session-runner, admin-api.
        { sourceTag: 'type:provisioning', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', ...testing] },
        { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform'] },
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:provisioning', ...testing] },
        { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:contracts', 'type:platform', 'type:provisioning', 'type:testing'] },
      ],
    },
  ];
}

const runtimes = ['@nestjs/*', '@nats-io/*', 'typeorm', 'pg', 'openai', '@anthropic-ai/*', 'pino*', 'node:*'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaries(false),
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/testing/**', 'apps/platform-e2e/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@clawfleet/testing'], message: 'libs/testing is for specs only.' }] }],
    },
  },
  {
    files: ['libs/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: runtimes, message: 'contracts import nothing but zod.' }] }],
    },
  },
  {
    files: ['**/*.spec.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      '@nx/enforce-module-boundaries': boundaries(true),
      'jest/valid-expect': 'error',
      'jest/expect-expect': 'off',
      // Assertion helpers (a checker's invariant, a poller's monotonic cursor) assert outside `it`.
      'jest/no-standalone-expect': 'off',
    },
  },
);
