import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, startServer, SUPERUSER, type TestServer } from '../support/server.js';

const SIGN_IN = 'mutation($u: String!, $p: String!) { signIn(identifier: $u, password: $p) { token user { mustChangePassword } } }';
const CHANGE = 'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { mustChangePassword } }';
const CREATE = 'mutation($u: String!) { createUser(input: { username: $u, email: "${u}@example.org", role: ARCHIVIST }) { user { id } oneTimePassword } }';
const BROWSE = '{ artefacts(first: 1) { totalCount } }';

describe('one-time passwords', () => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startServer();
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(() => s.close());

  const create = async (username: string): Promise<{ id: string; password: string }> => {
    const r = await s.gql<{ createUser: { user: { id: string }; oneTimePassword: string } }>(CREATE.replace('${u}', username), { u: username }, admin);
    const created = r.body.data?.createUser;
    if (created === undefined) throw new Error(JSON.stringify(r.body.errors));
    return { id: created.user.id, password: created.oneTimePassword };
  };
  const signIn = (username: string, password: string) => s.gql<{ signIn: { token: string; user: { mustChangePassword: boolean } } }>(SIGN_IN, { u: username, p: password });

  it('allows nothing but a password change until one is chosen, then stops working', async () => {
    const { password } = await create('newcomer');
    const first = await signIn('newcomer', password);
    expect(first.body.data?.signIn.user.mustChangePassword).toBe(true);
    const token = first.body.data?.signIn.token as string;
    const refused = await s.gql(BROWSE, {}, token);
    expect(codeOf(refused)).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(refused.body.errors?.[0]?.message).toMatch(/changePassword/);
    expect((await s.gql('{ me { username mustChangePassword } }', {}, token)).body.data).toEqual({ me: { username: 'newcomer', mustChangePassword: true } });

    const changed = await s.gql(CHANGE, { c: password, n: 'granite meadow whistle 58' }, token);
    expect(changed.body.data).toEqual({ changePassword: { mustChangePassword: false } });
    expect((await s.gql<{ artefacts: { totalCount: number } }>(BROWSE, {}, token)).body.data?.artefacts.totalCount).toBe(0);
    // The one-time password is spent; the chosen one works and asks for nothing more.
    expect(codeOf(await signIn('newcomer', password))).toBe('UNAUTHENTICATED');
    expect((await signIn('newcomer', 'granite meadow whistle 58')).body.data?.signIn.user.mustChangePassword).toBe(false);
  });

  it('refuses an expired one-time password, but only once the password itself proved right', async () => {
    const { password } = await create('latecomer');
    const localId = s.core.store.users.byIdentifier('latecomer')?.id;
    s.core.store.db.query('UPDATE users SET password_expires_at = ? WHERE id = ?').run(new Date(Date.now() - 60_000).toISOString(), localId);
    const expired = await signIn('latecomer', password);
    expect(codeOf(expired)).toBe('PASSWORD_EXPIRED');
    expect(expired.body.errors?.[0]?.message).toMatch(/ask the superuser for a new one/);
    expect(codeOf(await signIn('latecomer', 'not the password at all'))).toBe('UNAUTHENTICATED');
  });

  it('makes a reset password one-time again, with a fresh expiry', async () => {
    const { id, password } = await create('forgetful');
    const token = (await signIn('forgetful', password)).body.data?.signIn.token as string;
    await s.gql(CHANGE, { c: password, n: 'granite meadow whistle 59' }, token);
    const reset = await s.gql<{ resetUserPassword: { oneTimePassword: string; expiresAt: string } }>(
      'mutation($id: ID!) { resetUserPassword(userId: $id) { oneTimePassword expiresAt } }',
      { id },
      admin,
    );
    const issued = reset.body.data?.resetUserPassword.oneTimePassword as string;
    const again = await signIn('forgetful', issued);
    expect(again.body.data?.signIn.user.mustChangePassword).toBe(true);
    const expiresAt = s.core.store.users.byIdentifier('forgetful')?.passwordExpiresAt;
    expect(reset.body.data?.resetUserPassword.expiresAt).toBe(expiresAt);
    const hours = (Date.parse(expiresAt ?? '') - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71);
    expect(hours).toBeLessThanOrEqual(72);
  });
});
