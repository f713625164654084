import { defineConfig } from 'vitest/config';

// Against the real Redis of the test command (TEST_REDIS_URL), each file on its own key prefix.
export default defineConfig({ test: { environment: 'node', testTimeout: 20_000 } });
