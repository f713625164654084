import { defineConfig } from 'vitest/config';

// The repository's own end-to-end tests (test/): the README's quick start, run as a user would.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 400_000,
    hookTimeout: 120_000,
  },
});
