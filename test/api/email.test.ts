import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtp } from '../support/smtp.js';
import { startServer, SUPERUSER, type TestServer } from '../support/server.js';

/** The decoded text of a quoted-printable or plain mail body, enough to find a password in it. */
const text = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

describe('account emails over SMTP', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    smtp = await startSmtp();
    s = await startServer({ SMTP_URL: smtp.url, SMTP_FROM: 'ArchAIve <archive@example.org>', SIGNIN_ALERTS: 'true' });
    admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
  });
  afterAll(async () => {
    await s.close();
    await smtp.close();
  });

  it('emails the one-time password of a new account instead of returning it, and it works', async () => {
    const before = smtp.mails.length;
    const r = await s.gql<{ createUser: { delivery: string; oneTimePassword: string | null } }>(
      'mutation { createUser(input: { username: "mailee", email: "mailee@example.org", role: ARCHIVIST }) { delivery oneTimePassword } }',
      {},
      admin,
    );
    expect(r.body.data?.createUser).toEqual({ delivery: 'EMAILED', oneTimePassword: null });
    await smtp.waitFor(before + 1);
    const mail = smtp.mails.find((m) => m.to.includes('mailee@example.org') && /Your new account/.test(m.raw));
    expect(mail).toBeDefined();
    const password = /One-time password: (\S+)/.exec(text(mail?.raw ?? ''))?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(await s.signIn('mailee', password as string)).toBeTypeOf('string');
  });

  it('emails a reset password, a password-changed notice and sign-in alerts', async () => {
    const users = await s.gql<{ users: { nodes: { id: string; username: string }[] } }>('{ users(first: 10) { nodes { id username } } }', {}, admin);
    const id = users.body.data?.users.nodes.find((u) => u.username === 'mailee')?.id;
    const before = smtp.mails.length;
    await s.gql('mutation($id: ID!) { resetUserPassword(id: $id) { delivery } }', { id }, admin);
    await smtp.waitFor(before + 1);
    const reset = smtp.mails.slice(before).find((m) => /Your password was reset/.test(m.raw));
    const password = /One-time password: (\S+)/.exec(text(reset?.raw ?? ''))?.[1] as string;
    const token = await s.signIn('mailee', password);
    await s.gql('mutation($c: String!) { changePassword(currentPassword: $c, newPassword: "my own long passphrase") { username } }', { c: password }, token);
    await smtp.waitFor(before + 4);
    const subjects = smtp.mails.slice(before).map((m) => /Subject: (.*)/.exec(m.raw)?.[1]);
    expect(subjects).toEqual(expect.arrayContaining(['Your password was reset | ArchAIve', 'New sign-in | ArchAIve', 'Password changed | ArchAIve']));
  });
});

describe('without SMTP', () => {
  it('returns the one-time password once to the superuser', async () => {
    const s = await startServer();
    try {
      const admin = await s.signIn(SUPERUSER.username, SUPERUSER.password);
      const r = await s.gql<{ createUser: { delivery: string; oneTimePassword: string } }>(
        'mutation { createUser(input: { username: "nomail", email: "nomail@example.org", role: VIEWER }) { delivery oneTimePassword } }',
        {},
        admin,
      );
      expect(r.body.data?.createUser.delivery).toBe('SHOWN_ONCE');
      expect(await s.signIn('nomail', r.body.data?.createUser.oneTimePassword ?? '')).toBeTypeOf('string');
    } finally {
      await s.close();
    }
  });
});
