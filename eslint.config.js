// Lint: typescript-eslint's recommended rules, and the layers kept by import rules (README "Layout").
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Imports a folder may not make, as a regular expression on the import path, with the reason. */
const layer = (files, regex, message, allowTypeImports = false) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ regex, message, allowTypeImports }] }],
    // The same rule for import() (lazy loading), which no-restricted-imports does not see.
    'no-restricted-syntax': [
      'error',
      { selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`, message },
    ],
  },
});

/** Packages that do I/O or run models: only adapters (and the wiring) import them. */
const IO_PACKAGES =
  'sharp|onnxruntime-node|@huggingface/|@gutenye/|@electric-sql/|pg|@aws-sdk/|undici|hono|@hono/|exifr|file-type|fdir|busboy|pino|prom-client|tesseract';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/.work/', 'web/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // `ok ? a++ : b++` and `x && run()` are statements here on purpose.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      // A `let` assigned once after a closure that reads it is declared (wiring that refers to itself) stays a let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  { files: ['web/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  layer(['src/core/**'], '^(?!\\./)', 'core imports nothing but core: no I/O, no packages, no other layer'),
  layer(['src/ports/**'], '^(?!\\./|\\.\\./core/)', 'ports import only ports and core'),
  layer(
    ['src/app/**'],
    `^\\.\\./(adapters|http|cli|wiring)/|^(${IO_PACKAGES})(/|$)`,
    'use cases import ports, core and each other, never the wiring, an adapter, a surface or an I/O package (reach them through a port)',
  ),
  // Surfaces reach adapters through src/wiring (types may be named: a logger passed in, a download's progress).
  layer(
    ['src/cli/**', 'src/http/**'],
    '^(\\.\\./)+adapters/',
    'surfaces call use cases and get adapters from src/wiring, the one place they are wired',
    true,
  ),
  layer(
    ['src/adapters/**'],
    '^\\.\\./\\.\\./(app|http|cli|wiring)/',
    'adapters implement ports: they never import use cases, surfaces or the wiring',
  ),
);
