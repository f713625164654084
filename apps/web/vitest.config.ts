import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code; end-to-end tests (test/) drive Debian's Chromium against the real stack:
// a migrated database, Redis, the control plane as a child process, simulator workers under a temp PM2,
// and the built portal. One file at a time: each starts its own processes on a 2-core machine.
export default defineConfig({
  // The app's own `@/` imports (tsconfig paths), for unit tests of components.
  resolve: { alias: { '@/': new URL('./src/', import.meta.url).pathname } },
  esbuild: { jsx: 'automatic' },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
