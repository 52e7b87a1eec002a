import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build (no "exports" map), which mercurius also loads;
    // Vite would pick the ESM build for our sources and graphql would refuse the second instance.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Worker pools and SQLite files are per test file; files run in parallel processes.
    pool: 'forks',
    // Most of a test file's time is spent waiting (servers, sockets, Redis, Chromium, timers), so
    // four files at once on two cores: the whole suite took 806 s with two and 443 s with four.
    maxWorkers: 4,
    env: { ORT_DISABLE_TELEMETRY: '1' },
  },
});
