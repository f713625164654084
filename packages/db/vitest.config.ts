import { defineConfig } from 'vitest/config';

// Tests run against a real Postgres: TEST_DATABASE_URL (admin URL) must be set; each file creates and
// drops its own databases. Files run one at a time (they create/drop databases on one server).
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
