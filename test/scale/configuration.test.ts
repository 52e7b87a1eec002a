import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const problems = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('scale-out configuration', () => {
  it('embedded by default: no Redis, the primary role', () => {
    expect(loadConfig({})).toMatchObject({ redis: undefined, role: 'primary' });
  });

  it('reads REDIS_URL and the lock of remote jobs', () => {
    expect(loadConfig({ REDIS_URL: 'redis://:secret@10.0.0.5:6380/2', WORKER_LOCK_SECONDS: '5' }).redis).toEqual({ url: 'redis://:secret@10.0.0.5:6380/2', lockMs: 5000 });
    expect(loadConfig({}).redis).toBeUndefined();
  });

  it('names each wrong value', () => {
    expect(problems({ REDIS_URL: 'http://127.0.0.1:6379' })[0]).toMatch(/^REDIS_URL: expected redis:\/\//);
    expect(problems({ API_ROLE: 'replica' })[0]).toMatch(/^API_ROLE: expected primary or secondary/);
    expect(problems({ WORKER_LOCK_SECONDS: '0' })[0]).toMatch(/^WORKER_LOCK_SECONDS: expected at least 1/);
    // A secondary forwards queue work to the primary over Redis, so it cannot run without it.
    expect(problems({ API_ROLE: 'secondary' })).toEqual(['API_ROLE: secondary needs REDIS_URL (got "secondary" without it)']);
  });

  it('npm run worker without REDIS_URL stops with exit code 2 naming it', () => {
    const env = { ...process.env };
    delete env.REDIS_URL;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/worker-main.ts'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('REDIS_URL: required by npm run worker');
  });
});
