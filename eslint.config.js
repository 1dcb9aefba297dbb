import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers import only downward (README, Layout): api, util ← trust, ledger, capacity, scheduler ← runtime, cluster ← controllers ← operator, cli.
const upward = (layers, message) => ({ regex: `(^|/)(${layers.join('|')})/`, message });
const PROGRAM = upward(
  ['operator', 'controllers'],
  'a lower layer may not import the program (src/operator) or the reconcilers (src/controllers): move what both need down, e.g. into src/runtime',
);
const LOWER = ['runtime', 'cluster', 'trust', 'ledger', 'capacity', 'catalog', 'api', 'util', 'scheduler'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'reports/', 'src/api/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: LOWER.filter((l) => l !== 'runtime').map((l) => `src/${l}/**/*.ts`),
    rules: { 'no-restricted-imports': ['error', { patterns: [PROGRAM] }] },
  },
  {
    files: ['src/runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [PROGRAM, upward(['cluster'], 'src/runtime is the controller library: it may not import member-cluster code (src/cluster)')] },
      ],
    },
  },
  {
    files: ['src/audit/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            PROGRAM,
            upward(
              ['runtime', 'cluster', 'cli'],
              'src/audit sits beside src/ledger: put adapters that need watches or member clients in src/cluster or src/controllers',
            ),
          ],
        },
      ],
    },
  },
);
