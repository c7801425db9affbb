// ESLint flat config. `npm run lint` checks src/, test/, bench/ and scripts/ for what the type
// checker does not: unused code, import cycles between files, promises nobody awaits (src/ only)
// and type-only imports written as value imports. Cycles between src/ folders are checked by
// test/structure/folder-cycles.test.ts (a per-file rule cannot see them).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'scratch/**',
      'test-artifacts/**',
      'var/**',
      'src/api/dashboard/public/vendor/**',
      '**/*.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: globals.node,
    },
    plugins: { 'import-x': importX },
    settings: {
      // Without these the cycle rule skips .ts files when it follows an import.
      'import-x/extensions': ['.ts', '.mjs', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        // `_name` marks a parameter kept for a signature (a callback, an interface method).
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        // An inline `import('x').T` for a single annotation is fine; the point is that a value
        // import used only as a type is written `import type`.
        { prefer: 'type-imports', fixStyle: 'separate-type-imports', disallowTypeAnnotations: false },
      ],
      // DICOM text (VR character repertoires) and terminal output are filtered for control
      // characters on purpose, so a regex that names them is no mistake here.
      'no-control-regex': 'off',
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The dashboard's scripts run in the browser, as ES modules served as they are.
    files: ['src/api/dashboard/public/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Type-aware rules only where they pay: product code, where an unawaited promise loses an
    // error or a delivery.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
);
