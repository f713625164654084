// Type-checked linting for every workspace (each runs `eslint` from its own folder).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createImportBoundariesRule } from './tools/import-boundaries.js';

// Who may import what (ARCHITECTURE.md, "Who may import what"). Globs are relative to the repository root.
/** The process-driver module: the only code that may load PM2. */
export const PROCESS_DRIVER_FILES = 'apps/control-plane/src/services/pm2-driver.ts';
/** Each engine's own folder: the only code that may load whatsapp-web.js or puppeteer. */
export const ENGINE_FILES = 'apps/worker/src/engine/*/**';

const importBoundaries = createImportBoundariesRule({
  restrictedModules: [
    { modules: ['pm2'], allowedIn: PROCESS_DRIVER_FILES, why: 'workers are run through the process driver' },
    {
      modules: ['whatsapp-web.js', 'puppeteer', 'puppeteer-core'],
      allowedIn: ENGINE_FILES,
      why: 'an engine library stays behind the engine seam, in apps/worker/src/engine/<name>/',
    },
  ],
});

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/.next/**', '**/dist/**', '**/src/generated/**', '**/next-env.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    plugins: { 'wa-fleet': { rules: { 'import-boundaries': importBoundaries } } },
    rules: { 'wa-fleet/import-boundaries': 'error' },
  },
  {
    // Tests poke at loosely typed JSON responses; keep the strictness where it pays.
    files: ['**/test/**', '**/*.test.ts', '**/*.test.tsx'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Plain JavaScript build tooling outside every tsconfig: linted without type information.
    files: ['tools/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false, project: null } },
  },
);
