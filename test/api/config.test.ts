import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { problemsOf } from '../support/config-problems.js';

describe('configuration', () => {
  it('runs on embedded defaults with nothing set', () => {
    const c = loadConfig({});
    expect(c.port).toBe(4000);
    expect(c.dataDir.endsWith('/data')).toBe(true);
    expect(c.smtp).toBeUndefined();
    expect(c.cache.enabled).toBe(true);
    expect(c.superuser.password).toBeUndefined();
    expect(c.llm.clients).toEqual([]);
    expect(c.graphql).toMatchObject({ maxDepth: 12, maxComplexity: 100_000, maxExpensiveFields: 5 });
  });

  it('names each wrong variable and what it expects', () => {
    const problems = problemsOf({ PORT: 'eighty', CACHE_ENABLED: 'maybe', SMTP_URL: 'http://mail', SUPERUSER_PASSWORD: 'short', SUPERUSER_EMAIL: 'nope' });
    expect(problems).toHaveLength(5);
    expect(problems.find((p) => p.startsWith('PORT:'))).toMatch(/whole number.*"eighty"/);
    expect(problems.find((p) => p.startsWith('CACHE_ENABLED:'))).toMatch(/true or false/);
    expect(problems.find((p) => p.startsWith('SMTP_URL:'))).toMatch(/smtp:\/\//);
    expect(problems.find((p) => p.startsWith('SUPERUSER_PASSWORD:'))).toMatch(/at least 12/);
    expect(problems.find((p) => p.startsWith('SUPERUSER_EMAIL:'))).toMatch(/email/);
    expect(problemsOf({ PORT: '70000' })[0]).toMatch(/^PORT: expected at most 65535/);
    expect(problemsOf({ GRAPHQL_MAX_EXPENSIVE_FIELDS: '0' })[0]).toMatch(/^GRAPHQL_MAX_EXPENSIVE_FIELDS: expected at least 1/);
    // Language-model variables are checked in the same pass.
    expect(problemsOf({ PORT: 'x', LLM_CLIENTS: 'openai' }).some((p) => p.startsWith('LLM_OPENAI_BASE_URL'))).toBe(true);
  });

  it('stops the server at boot with the message and exit code 2', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'eighty', SESSION_IDLE_MINUTES: '0', DATA_DIR: '/nonexistent/never-created' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Invalid configuration');
    expect(r.stderr).toContain('PORT: expected a whole number');
    expect(r.stderr).toContain('SESSION_IDLE_MINUTES: expected at least 1');
  });
});
