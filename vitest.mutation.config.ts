import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests a mutation run (npm run mutate) runs: those that reach the mutated files, through the
 * real server. MUTATION_TESTS (comma-separated globs) narrows them for a run over part of the code.
 * The list is here rather than in Stryker's testFiles, which activates static mutants too late
 * (stryker-js issue 6144): they would all survive.
 */
const tests = process.env.MUTATION_TESTS?.split(',') ?? [
  'test/api/*.test.ts',
  'test/auth/*.test.ts',
  'test/store/*.test.ts',
  'test/batches/*.test.ts',
  'test/jobs/*.test.ts',
  'test/language/*.test.ts',
  'test/pipelines/identification.test.ts',
];

export default defineConfig({ ...base, test: { ...base.test, include: tests } });
