import { defineConfig } from 'vitest/config';

// Integration suites run against real Postgres (TEST_DATABASE_URL, admin URL), real Redis
// (TEST_REDIS_URL) and real PM2 daemons under temporary PM2_HOMEs; one file at a time (2 cores).
export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
