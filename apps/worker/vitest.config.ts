import { defineConfig } from 'vitest/config';

// Integration tests spawn real worker processes against a real Postgres (TEST_DATABASE_URL, admin URL)
// and Redis (TEST_REDIS_URL). One file at a time: the machine has 2 cores and every file starts workers.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The tests run the worker's build (dist/main.mjs): rebuilt first when a source changed.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
