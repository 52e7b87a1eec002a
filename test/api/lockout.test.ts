import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { codeOf, startServer, SUPERUSER, type TestServer, type GqlResult } from '../support/server.js';

const SIGN_IN = 'mutation($u: String!, $p: String!) { signIn(identifier: $u, password: $p) { token } }';

describe('sign-in lockout per account and address', () => {
  let s: TestServer;
  beforeAll(async () => {
    // Addresses come from X-Forwarded-For, so one test can sign in from several.
    s = await startServer({ SIGNIN_MAX_FAILURES: '3', TRUST_PROXY: 'true' });
  });
  afterAll(() => s.close());

  const from = (address: string, username: string, password: string) =>
    s.gql<{ signIn: { token: string } }>(SIGN_IN, { u: username, p: password }, undefined, { 'x-forwarded-for': address });
  const answer = (r: GqlResult<unknown>) => ({ status: r.status, code: codeOf(r), message: r.body.errors?.[0]?.message.replace(/after \S+$/, 'after …') });

  it('locks the superuser only for the address its failures came from', async () => {
    for (let i = 1; i <= 3; i++) await from('203.0.113.7', SUPERUSER.username, `wrong guess ${i}`);
    expect(codeOf(await from('203.0.113.7', SUPERUSER.username, SUPERUSER.password))).toBe('RATE_LIMITED');
    // The owner, elsewhere, is not locked out.
    expect((await from('198.51.100.20', SUPERUSER.username, SUPERUSER.password)).body.data?.signIn.token).toBeTypeOf('string');
  });

  it('answers for an unknown name exactly as for a locked account, lock included', async () => {
    await s.userWithRole('VIEWER', 'known');
    const known: ReturnType<typeof answer>[] = [];
    const unknown: ReturnType<typeof answer>[] = [];
    for (let i = 1; i <= 4; i++) {
      known.push(answer(await from('192.0.2.1', 'known', `wrong guess ${i}`)));
      unknown.push(answer(await from('192.0.2.1', 'nobody-at-all', `wrong guess ${i}`)));
    }
    expect(known.map((a) => a.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(unknown).toEqual(known);
  });

  it('npm run admin:unlock ends the superuser\'s locks', { timeout: 120_000 }, async () => {
    for (let i = 1; i <= 3; i++) await from('203.0.113.99', SUPERUSER.username, `wrong guess ${i}`);
    expect(codeOf(await from('203.0.113.99', SUPERUSER.username, SUPERUSER.password))).toBe('RATE_LIMITED');
    const run = spawnSync('npm', ['run', '--silent', 'admin:unlock'], { env: { ...process.env, DATA_DIR: s.dataDir, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Unlocked the superuser "${SUPERUSER.username}"`);
    expect((await from('203.0.113.99', SUPERUSER.username, SUPERUSER.password)).body.data?.signIn.token).toBeTypeOf('string');
  });
});

describe('changing a password', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ SIGNIN_MAX_FAILURES: '3' });
  });
  afterAll(() => s.close());

  const change = (token: string, current: string, next: string) =>
    s.gql('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { username } }', { c: current, n: next }, token);

  it('limits guesses at the current password, even the right one once locked', async () => {
    const user = await s.userWithRole('VIEWER', 'guessed');
    expect(codeOf(await change(user.token, 'first wrong guess', 'a brand new passphrase'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await change(user.token, 'second wrong guess', 'a brand new passphrase'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await change(user.token, 'third wrong guess', 'a brand new passphrase'))).toBe('RATE_LIMITED');
    expect(codeOf(await change(user.token, user.password, 'a brand new passphrase'))).toBe('RATE_LIMITED');
    // Sign-in itself is not locked by a session's guesses.
    expect(await s.signIn('guessed', user.password)).toBeTypeOf('string');
  });

  it('refuses common and easily guessed passwords however long, and the user\'s own names', async () => {
    const user = await s.userWithRole('VIEWER', 'weakling');
    for (const weak of ['password1234', 'qwertyuiop123', 'Password123!', 'weaklingweakling']) {
      const r = await change(user.token, user.password, weak);
      expect(codeOf(r), weak).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0]?.message, weak).toMatch(/too easy to guess/);
    }
    expect((await change(user.token, user.password, 'violet staircase humming 47')).body.data).toEqual({ changePassword: { username: 'weakling' } });
  });
});

describe('the superuser\'s first password', () => {
  it('refuses a SUPERUSER_PASSWORD that is easy to guess, however long', () => {
    expect(() => loadConfig({ SUPERUSER_PASSWORD: 'administrator1' })).toThrow(ConfigError);
    expect(() => loadConfig({ SUPERUSER_PASSWORD: 'administrator1' })).toThrow(/SUPERUSER_PASSWORD: expected a password that is not easy to guess/);
    expect(loadConfig({ SUPERUSER_PASSWORD: SUPERUSER.password }).superuser.password).toBe(SUPERUSER.password);
  });
});
