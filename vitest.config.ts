import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Worker pools and SQLite files are per test file; files run in parallel processes.
    pool: 'forks',
    env: { ORT_DISABLE_TELEMETRY: '1' },
  },
});
