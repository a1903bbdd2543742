// Lint gate (`npm run lint`, part of `npm test`): typescript-eslint's type-checked rules over every
// TypeScript file tsconfig.json compiles, plus import-x's no-cycle. A rule is turned off or relaxed
// only here, each with the reason on its line.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    ignores: [
      'node_modules/',
      'dist/',
      'policies/bin/',
      'policies/catalog/',
      'policies/node_modules/',
      'data/',
      'catalog/',
      '.stackfit-cache/',
      'test/artifacts/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // import-x only follows (and so finds cycles through) files its parser is set up for.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      // An import cycle makes module load order matter and blocks splitting a module out.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // `_`-prefixed names are deliberately unused (callback positions, destructured-away keys).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // An async function that implements a Promise-returning contract needs no await; async also turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // `import x = require('cjs-only')` is TypeScript's typed import of a CommonJS module (jsonparse); bare require() stays flagged.
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
    },
  },
  {
    // Tests read CLI output and JSON documents as `any` and pin their shape with expect(): a wrong guess fails the assertion.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (bin/, configs): no type information, CommonJS or ESM scripts run by node.
    files: ['**/*.js', '**/*.mjs', '**/*.mts', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      // bin/*.js are CommonJS entry points: require() is how they load dist/.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
