import { statSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';
import { startServerProcess } from '../support/server-process.js';

const ME = '{ me { username role } }';

describe('sign-in and sessions', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('signs in with username or email and returns the user from me', async () => {
    const byName = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const byEmail = await s.signIn(SUPERUSER.email.toUpperCase(), SUPERUSER.password);
    for (const token of [byName, byEmail]) {
      const r = await s.gql<{ me: { username: string; role: string } }>(ME, {}, token);
      expect(r.body.data?.me).toEqual({ username: SUPERUSER.username, role: 'SUPERUSER' });
    }
  });

  it('stores only a hash of the session token', async () => {
    const token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const rows = s.core.store.db.raw.prepare('SELECT token_hash FROM sessions').all() as { token_hash: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
  });

  it('answers me with null and data with UNAUTHENTICATED when signed out', async () => {
    expect((await s.gql(ME)).body.data).toEqual({ me: null });
    expect(codeOf(await s.gql('{ artefacts { totalCount } }'))).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong password with UNAUTHENTICATED and the same message as an unknown user', async () => {
    const wrong = await s.gql('mutation { signIn(identifier: "chief", password: "not it at all") { token } }');
    const unknown = await s.gql('mutation { signIn(identifier: "nobody", password: "not it at all") { token } }');
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(codeOf(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.body.errors?.[0]?.message).toBe(unknown.body.errors?.[0]?.message);
  });

  it('ends a session on signOut', async () => {
    const token = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    expect((await s.gql('mutation { signOut }', {}, token)).body.data).toEqual({ signOut: true });
    expect((await s.gql(ME, {}, token)).body.data).toEqual({ me: null });
  });

  it('ends sessions the superuser revokes, and after a password reset', async () => {
    const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const user = await s.userWithRole('ARCHIVIST', 'revokee');
    const r = await s.gql<{ revokeUserSessions: number }>('mutation($id: ID!) { revokeUserSessions(userId: $id) }', { id: user.id }, admin);
    expect(r.body.data?.revokeUserSessions).toBe(1);
    expect((await s.gql(ME, {}, user.token)).body.data).toEqual({ me: null });

    const again = await s.signIn('revokee', user.password);
    const reset = await s.gql<{ resetUserPassword: { delivery: string; oneTimePassword: string } }>(
      'mutation($id: ID!) { resetUserPassword(userId: $id) { delivery oneTimePassword } }',
      { id: user.id },
      admin,
    );
    expect(reset.body.data?.resetUserPassword.delivery).toBe('SHOWN_ONCE');
    expect((await s.gql(ME, {}, again)).body.data).toEqual({ me: null });
    expect(await s.signIn('revokee', reset.body.data?.resetUserPassword.oneTimePassword ?? '')).toBeTypeOf('string');
  });

  it('expires sessions after the idle limit and at the absolute limit', async () => {
    const idle = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const absolute = await s.signIn(SUPERUSER.username, SUPERUSER.password);
    const db = s.core.store.db.raw;
    const sessions = db.prepare('SELECT id FROM sessions WHERE revoked_at IS NULL ORDER BY created_at DESC LIMIT 2').all() as { id: string }[];
    const [absoluteId, idleId] = sessions.map((x) => x.id);
    const past = (ms: number) => new Date(Date.now() - ms).toISOString();
    db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(past(s.config.session.idleMs + 1000), idleId);
    db.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?').run(past(1000), absoluteId);
    expect((await s.gql(ME, {}, idle)).body.data).toEqual({ me: null });
    expect((await s.gql(ME, {}, absolute)).body.data).toEqual({ me: null });
  });

  it('changes a password only with the current one, and signs out other sessions', async () => {
    const user = await s.userWithRole('VIEWER', 'changer');
    const other = await s.signIn('changer', user.password);
    const change = (current: string, next: string) =>
      s.gql('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { username } }', { c: current, n: next }, user.token);
    expect(codeOf(await change('not my password', 'a brand new passphrase'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await change(user.password, 'short'))).toBe('BAD_USER_INPUT');
    expect((await change(user.password, 'a brand new passphrase')).body.data).toEqual({ changePassword: { username: 'changer' } });
    expect((await s.gql(ME, {}, user.token)).body.data).toEqual({ me: { username: 'changer', role: 'VIEWER' } });
    expect((await s.gql(ME, {}, other)).body.data).toEqual({ me: null });
    expect(await s.signIn('changer', 'a brand new passphrase')).toBeTypeOf('string');
  });
});

describe('account lockout', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ SIGNIN_MAX_FAILURES: '3', SIGNIN_LOCKOUT_MINUTES: '15' });
  });
  afterAll(() => s.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const attempt = (username: string, password: string) =>
    s.gql<{ signIn: { token: string } }>('mutation($u: String!, $p: String!) { signIn(identifier: $u, password: $p) { token } }', { u: username, p: password });

  it('locks an account after repeated failures, even against the right password', async () => {
    const { password } = await s.userWithRole('VIEWER', 'locky');
    expect(codeOf(await attempt('locky', 'wrong-one-1'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await attempt('locky', 'wrong-one-2'))).toBe('UNAUTHENTICATED');
    const third = await attempt('locky', 'wrong-one-3');
    expect(codeOf(third)).toBe('RATE_LIMITED');
    expect(third.body.errors?.[0]?.extensions?.lockedUntil).toBeTypeOf('string');
    expect(codeOf(await attempt('locky', password))).toBe('RATE_LIMITED');
  });

  it('counts only failures in a row: a successful sign-in starts the count again', async () => {
    const { password } = await s.userWithRole('VIEWER', 'forgetful');
    for (const wrong of ['wrong-one-1', 'wrong-one-2']) expect(codeOf(await attempt('forgetful', wrong))).toBe('UNAUTHENTICATED');
    expect((await attempt('forgetful', password)).body.data?.signIn.token).toBeTypeOf('string');
    // Four failures in all, but never three in a row.
    for (const wrong of ['wrong-one-3', 'wrong-one-4']) expect(codeOf(await attempt('forgetful', wrong))).toBe('UNAUTHENTICATED');
    expect((await attempt('forgetful', password)).body.data?.signIn.token).toBeTypeOf('string');
  });

  it('lets the right password in again once SIGNIN_LOCKOUT_MINUTES have passed, and not before', async () => {
    const { password } = await s.userWithRole('VIEWER', 'patient');
    const lockedAt = Date.now();
    let locked: string | undefined;
    for (const wrong of ['wrong-one-1', 'wrong-one-2', 'wrong-one-3']) locked = (await attempt('patient', wrong)).body.errors?.[0]?.extensions?.lockedUntil as string | undefined;
    const until = Date.parse(locked ?? '');
    const lockoutMs = 15 * 60_000;
    expect(until).toBeGreaterThanOrEqual(lockedAt + lockoutMs);
    expect(until).toBeLessThan(Date.now() + lockoutMs + 1000);
    // The server reads the time through Date, in this process: move only the clock, not the timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(until - 1);
    expect(codeOf(await attempt('patient', password))).toBe('RATE_LIMITED');
    // Locked until that instant, not at it.
    vi.setSystemTime(until);
    const token = (await attempt('patient', password)).body.data?.signIn.token;
    expect(token).toBeTypeOf('string');
    // Unlocked for good: a wrong password counts from zero again.
    expect(codeOf(await attempt('patient', 'wrong-one-4'))).toBe('UNAUTHENTICATED');
  });
});

describe('account administration', () => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer();
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  it('edits accounts and roles, and lets users edit their own profile but not their role', async () => {
    const user = await s.userWithRole('VIEWER', 'promoted');
    const r = await s.gql<{ updateUser: { role: string; title: string } }>(
      'mutation($id: ID!) { updateUser(userId: $id, input: { role: ARCHIVIST, title: "Archivist" }) { role title } }',
      { id: user.id },
      admin,
    );
    expect(r.body.data?.updateUser).toEqual({ role: 'ARCHIVIST', title: 'Archivist' });
    // A role change ends the user's sessions: permissions are re-read at the next sign-in.
    expect((await s.gql(ME, {}, user.token)).body.data).toEqual({ me: null });
    const token = await s.signIn('promoted', user.password);
    const own = await s.gql<{ updateProfile: { firstName: string; username: string } }>(
      'mutation { updateProfile(input: { firstName: "Mei Ling", username: "meiling" }) { firstName username } }',
      {},
      token,
    );
    expect(own.body.data?.updateProfile).toEqual({ firstName: 'Mei Ling', username: 'meiling' });
    expect(codeOf(await s.gql('mutation { updateProfile(input: { username: "chief" }) { username } }', {}, token))).toBe('CONFLICT');
    expect(codeOf(await s.gql('mutation { updateProfile(input: { email: "not-an-email" }) { username } }', {}, token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await s.gql('mutation($id: ID!) { updateUser(userId: $id, input: { role: VIEWER }) { role } }', { id: user.id }, token))).toBe('FORBIDDEN');
  });

  it('deletes accounts but never the superuser, and keeps the audit trail', async () => {
    const user = await s.userWithRole('VIEWER', 'leaver');
    expect((await s.gql('mutation($id: ID!) { deleteUser(userId: $id) }', { id: user.id }, admin)).body.data).toEqual({ deleteUser: user.id });
    expect((await s.gql(ME, {}, user.token)).body.data).toEqual({ me: null });
    const me = await s.gql<{ me: { id: string } }>('{ me { id } }', {}, admin);
    expect(codeOf(await s.gql('mutation($id: ID!) { deleteUser(userId: $id) }', { id: me.body.data?.me.id }, admin))).toBe('FORBIDDEN');
    expect(codeOf(await s.gql('mutation { createUser(input: { username: "second", email: "s@example.org", role: SUPERUSER }) { delivery } }', {}, admin))).toBe(
      'BAD_USER_INPUT',
    );
    const log = await s.gql<{ auditLog: { nodes: { action: string; detail: { username?: string } }[] } }>(
      '{ auditLog(last: 20, filter: { action: "user.delete" }) { nodes { action detail } } }',
      {},
      admin,
    );
    expect(log.body.data?.auditLog.nodes.map((n) => n.detail.username)).toContain('leaver');
  });
});

describe('what account changes leave in the audit log', () => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer();
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  interface AuditNode {
    action: string;
    actorName: string;
    targetId: string | null;
    detail: Record<string, unknown> | null;
  }
  const audit = async (action: string, targetId?: string): Promise<AuditNode[]> =>
    (
      await s.gql<{ auditLog: { nodes: AuditNode[] } }>(
        'query($a: String!, $t: ID) { auditLog(last: 50, filter: { action: $a, targetId: $t }) { nodes { action actorName targetId detail } } }',
        { a: action, t: targetId ?? null },
        admin,
      )
    ).body.data?.auditLog.nodes ?? [];
  const signInAs = (identifier: string, password: string) =>
    s.gql('mutation($i: String!, $p: String!) { signIn(identifier: $i, password: $p) { token } }', { i: identifier, p: password });

  it('records failed sign-ins: the name typed for an unknown account, the account otherwise, and sign-outs', async () => {
    const user = await s.userWithRole('VIEWER', 'typist');
    expect(codeOf(await signInAs('  ghost-of-nobody  ', 'not the password'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await signInAs('typist', 'not the password'))).toBe('UNAUTHENTICATED');
    const failed = await audit('auth.signInFailed');
    expect(failed).toContainEqual({ action: 'auth.signInFailed', actorName: 'system', targetId: null, detail: { identifier: 'ghost-of-nobody', ip: '127.0.0.1', locked: false } });
    expect(failed).toContainEqual({ action: 'auth.signInFailed', actorName: 'typist', targetId: user.id, detail: { ip: '127.0.0.1', locked: false } });
    await s.gql('mutation { signOut }', {}, user.token);
    expect(await audit('auth.signOut', user.id)).toEqual([{ action: 'auth.signOut', actorName: 'typist', targetId: user.id, detail: null }]);
  });

  it('keeps sessions through an edit that leaves the role as it is, and records the fields edited', async () => {
    const user = await s.userWithRole('VIEWER', 'steady');
    const edit = (input: Record<string, unknown>) => s.gql('mutation($id: ID!, $input: UpdateUserInput!) { updateUser(userId: $id, input: $input) { role } }', { id: user.id, input }, admin);
    expect((await edit({ title: 'Volunteer' })).body.errors).toBeUndefined();
    expect((await edit({ role: 'VIEWER', lastName: 'Tan' })).body.errors).toBeUndefined();
    expect((await s.gql(ME, {}, user.token)).body.data).toEqual({ me: { username: 'steady', role: 'VIEWER' } });
    expect((await audit('user.update', user.id)).map((e) => e.detail)).toEqual([{ fields: ['title'] }, { fields: ['role', 'lastName'] }]);
  });

  it("never changes the superuser's role, nor resets the superuser's own password, but edits its profile", async () => {
    const me = (await s.gql<{ me: { id: string } }>('{ me { id } }', {}, admin)).body.data?.me.id;
    const role = await s.gql('mutation($id: ID!) { updateUser(userId: $id, input: { role: ARCHIVIST }) { role } }', { id: me }, admin);
    expect(codeOf(role)).toBe('FORBIDDEN');
    expect(role.body.errors?.[0]?.message).toBe('The superuser role cannot be changed');
    const title = await s.gql('mutation($id: ID!) { updateUser(userId: $id, input: { title: "Head of archives" }) { role title } }', { id: me }, admin);
    expect(title.body.data).toEqual({ updateUser: { role: 'SUPERUSER', title: 'Head of archives' } });
    const reset = await s.gql('mutation($id: ID!) { resetUserPassword(userId: $id) { delivery } }', { id: me }, admin);
    expect(codeOf(reset)).toBe('FORBIDDEN');
    expect(reset.body.errors?.[0]?.message).toBe('Change your own password with changePassword');
  });

  it("revokes all of a user's sessions and records how many", async () => {
    const user = await s.userWithRole('VIEWER', 'traveller');
    await s.signIn('traveller', user.password);
    const revoked = await s.gql('mutation($id: ID!) { revokeUserSessions(userId: $id) }', { id: user.id }, admin);
    expect(revoked.body.data).toEqual({ revokeUserSessions: 2 });
    expect((await s.gql(ME, {}, user.token)).body.data).toEqual({ me: null });
    expect((await audit('user.revokeSessions', user.id)).map((e) => e.detail)).toEqual([{ sessionsRevoked: 2 }]);
  });

  it('records password resets with the sessions they ended, and password changes; refuses the same password again', async () => {
    const user = await s.userWithRole('VIEWER', 'forgetter');
    const reset = await s.gql<{ resetUserPassword: { oneTimePassword: string } }>(
      'mutation($id: ID!) { resetUserPassword(userId: $id) { oneTimePassword } }',
      { id: user.id },
      admin,
    );
    const password = reset.body.data?.resetUserPassword.oneTimePassword as string;
    expect((await audit('user.resetPassword', user.id)).map((e) => [e.actorName, e.detail])).toEqual([[SUPERUSER.username, { sessionsRevoked: 1 }]]);
    const token = await s.signIn('forgetter', password);
    const change = (current: string, next: string) =>
      s.gql('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { username } }', { c: current, n: next }, token);
    const wrong = await change('not my password at all', 'a brand new passphrase');
    expect(wrong.body.errors?.[0]).toMatchObject({ message: 'The current password is not right', extensions: { code: 'BAD_USER_INPUT', field: 'currentPassword' } });
    expect((await change(password, 'short')).body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    const same = await change(password, password);
    expect(same.body.errors?.[0]).toMatchObject({ message: 'The new password is the same as the current one', extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' } });
    // One change so far: the one-time password of the new account, replaced at its first sign-in.
    expect(await audit('profile.changePassword', user.id)).toHaveLength(1);
    expect((await change(password, 'violet harbour lantern quietly')).body.errors).toBeUndefined();
    const changes = await audit('profile.changePassword', user.id);
    expect(changes).toHaveLength(2);
    expect(changes.at(-1)).toEqual({ action: 'profile.changePassword', actorName: 'forgetter', targetId: user.id, detail: null });
  });
});

describe("the superuser's own sessions", () => {
  it('revokes all but the one making the request', async () => {
    // A server of its own: this ends every other superuser session, the test helper's included.
    const s = await startServer();
    try {
      const mine = await s.signIn(SUPERUSER.username, SUPERUSER.password);
      const others = [await s.signIn(SUPERUSER.username, SUPERUSER.password), await s.signIn(SUPERUSER.username, SUPERUSER.password)];
      const me = (await s.gql<{ me: { id: string } }>('{ me { id } }', {}, mine)).body.data?.me.id;
      expect((await s.gql('mutation($id: ID!) { revokeUserSessions(userId: $id) }', { id: me }, mine)).body.data).toEqual({ revokeUserSessions: 2 });
      expect((await s.gql(ME, {}, mine)).body.data).toEqual({ me: { username: SUPERUSER.username, role: 'SUPERUSER' } });
      for (const token of others) expect((await s.gql(ME, {}, token)).body.data).toEqual({ me: null });
    } finally {
      await s.close();
    }
  });
});

describe('sign-in rate limit per address', () => {
  it('refuses sign-ins past the per-minute limit with RATE_LIMITED, right password or not', async () => {
    const s = await startServer({ SIGNIN_RATE_PER_MINUTE: '3' });
    try {
      const attempt = () => s.gql('mutation { signIn(identifier: "nobody", password: "whatever it is") { token } }');
      for (let i = 0; i < 3; i++) expect(codeOf(await attempt())).toBe('UNAUTHENTICATED');
      expect(codeOf(await attempt())).toBe('RATE_LIMITED');
      const right = await s.gql(`mutation { signIn(identifier: "${SUPERUSER.username}", password: "${SUPERUSER.password}") { token } }`);
      expect(codeOf(right)).toBe('RATE_LIMITED');
    } finally {
      await s.close();
    }
  });
});

describe('cookie sessions and CSRF', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  async function cookieSignIn(): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { signIn(identifier: "${SUPERUSER.username}", password: "${SUPERUSER.password}") { csrfToken } }` }),
    });
    const setCookies = res.headers.getSetCookie();
    const session = setCookies.find((c) => c.startsWith('archaive_session='));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    const body = (await res.json()) as { data: { signIn: { csrfToken: string } } };
    return { cookie: setCookies.map((c) => c.split(';')[0]).join('; '), csrf: body.data.signIn.csrfToken };
  }

  it('refuses a cookie-authenticated POST without the CSRF header, and accepts it with', async () => {
    const { cookie, csrf } = await cookieSignIn();
    const post = (headers: Record<string, string>) =>
      fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, ...headers },
        body: JSON.stringify({ query: 'mutation { createBook(input: { title: "Cookie book" }) { title } }' }),
      });
    const refused = await post({});
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('FORBIDDEN');
    const wrong = await post({ 'x-csrf-token': 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    const ok = await post({ 'x-csrf-token': csrf });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ data: { createBook: { title: 'Cookie book' } } });
  });

  it('signs out a cookie session and clears both cookies', async () => {
    const { cookie, csrf } = await cookieSignIn();
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ query: 'mutation { signOut }' }),
    });
    expect(await res.json()).toEqual({ data: { signOut: true } });
    const cleared = res.headers.getSetCookie();
    for (const name of ['archaive_session', 'archaive_csrf']) {
      const c = cleared.find((x) => x.startsWith(`${name}=`));
      expect(c, name).toMatch(new RegExp(`^${name}=;`));
      expect(c, name).toMatch(/Path=\//);
      expect(c, name).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
    }
    const me = await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ me { username } }')}`, { headers: { cookie } });
    expect(await me.json()).toEqual({ data: { me: null } });
  });

  it('treats a cookie of no live session as signed out, with no CSRF token asked for', async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `archaive_session=${'x'.repeat(43)}` },
      body: JSON.stringify({ query: '{ me { username } }' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { me: null } });
  });

  it('lets GET queries through with the cookie alone (GET cannot mutate)', async () => {
    const { cookie } = await cookieSignIn();
    const res = await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ me { username } }')}`, { headers: { cookie } });
    expect(await res.json()).toEqual({ data: { me: { username: SUPERUSER.username } } });
    const mutation = await fetch(`${s.url}/graphql?query=${encodeURIComponent('mutation { signOut }')}`, { headers: { cookie } });
    expect(mutation.status).toBe(405);
  });
});

describe('first boot', () => {
  it('writes a generated superuser password once to a 0600 file and never logs it, even at trace level', async () => {
    const server = await startServerProcess({
      SUPERUSER_USERNAME: SUPERUSER.username,
      SUPERUSER_EMAIL: SUPERUSER.email,
      // Set and empty: a .env file in the working directory cannot supply one.
      SUPERUSER_PASSWORD: '',
      LOG_LEVEL: 'trace',
    });
    const post = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data?: Record<string, { token?: string } & Record<string, unknown>> | null; errors?: unknown[] };
    };
    let password = '';
    try {
      const file = path.join(server.dataDir, 'superuser-password.txt');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      password = readFileSync(file, 'utf8').trim();
      expect(password.length).toBeGreaterThanOrEqual(20);
      const signIn = await post('mutation($i: String!, $p: String!) { signIn(identifier: $i, password: $p) { token } }', { i: SUPERUSER.username, p: password });
      const token = signIn.data?.signIn?.token;
      expect(token, JSON.stringify(signIn.errors)).toBeTypeOf('string');
      // Typed into the query itself, as in GraphiQL, and once against the wrong account.
      expect((await post(`mutation { signIn(identifier: "${SUPERUSER.email}", password: "${password}") { token } }`)).data?.signIn?.token).toBeTypeOf('string');
      expect((await post(`mutation { signIn(identifier: "nobody", password: "${password}") { token } }`)).errors).toHaveLength(1);
      // The generated password is one-time: nothing but changing it until that is done.
      const refused = await post('{ auditLog(last: 100) { nodes { action detail } } }', {}, token);
      expect(JSON.stringify(refused.errors)).toContain('PASSWORD_CHANGE_REQUIRED');
      const changed = await post('mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { username } }', { c: password, n: 'amber lighthouse orchard 71' }, token);
      expect(changed.data?.changePassword).toEqual({ username: SUPERUSER.username });
      const audit = await post('{ auditLog(last: 100) { nodes { action detail } } }', {}, token);
      expect(JSON.stringify(audit.data?.auditLog)).toContain('auth.signIn');
      expect(JSON.stringify(audit)).not.toContain(password);
    } finally {
      await server.stop();
    }
    const log = server.output();
    // The capture works: trace-level request logs and the line naming the password file are there.
    expect(log).toContain('incoming request');
    expect(log).toContain('superuser-password.txt');
    expect(log).not.toContain(password);
    expect(existsSync(server.dataDir)).toBe(false);
  });
});
