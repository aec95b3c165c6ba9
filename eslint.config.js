import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';

// The writers of GraphTx (src/store/ports/): see the rule that uses them below.
const TX_WRITERS = [
  'writeAssets',
  'deleteAssets',
  'appendHistory',
  'addEdges',
  'removeEdges',
  'putClassificationType',
  'setDirect',
  'removeDirect',
  'setBlock',
  'removeBlock',
  'replacePropagation',
  'patchPropagation',
  'enqueuePropagation',
  'progressPropagationJob',
  'putIncident',
  'appendEvents',
  'claimEvents',
  'lockRun',
  'putRun',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/generated/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts', '**/*.mts', '**/*.tsx'] })),
  {
    files: ['**/*.ts', '**/*.mts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Only commands write (src/services/commands/, which check their actor first) and only the
    // adapters implement the writes: nothing else calls a transaction's writers.
    files: ['src/**/*.ts'],
    ignores: ['src/services/commands/**', 'src/store/**', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `CallExpression[callee.property.name=/^(${TX_WRITERS.join('|')})$/]`,
          message: 'Transactions are written by commands only (src/services/commands/), which authorize their actor first.',
        },
      ],
    },
  },
  {
    // The embedded adapter sits behind an async port but its driver is synchronous.
    files: ['src/store/embedded/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.test.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
    },
  },
  {
    // The harness and the runner are plain Node.js scripts: linted without type information.
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: globals.node, ecmaVersion: 2023, sourceType: 'module' },
    rules: { eqeqeq: ['error', 'always'], 'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }] },
  },
);
